"""Placeholder."""

from __future__ import annotations

from typing import Any


def run(run: Any, raw: Any) -> Any:
    raise NotImplementedError
