"""Activities the test server loads with `--activities tests/server/server_activities.py`."""

from __future__ import annotations

from typing import Any

from durable_sfn.dsl import activity


class OutOfStock(Exception):
    pass


@activity(name="Greet")
def greet(name: str) -> dict[str, Any]:
    return {"greeting": f"hello {name}"}


@activity(name="Reserve")
def reserve(item: str) -> str:
    raise OutOfStock(f"{item} is out of stock")
