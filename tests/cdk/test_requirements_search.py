"""The construct says where it looked for requirements.txt when it finds none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from durable_sfn.cdk._private import activity_wiring
from durable_sfn.cdk._private.bundling import find_requirements, requirements_candidates
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.dsl import activity, activity_definition


def test_the_search_runs_from_the_module_folder_up_to_the_package(tmp_path: Path) -> None:
    module = tmp_path / "app" / "orders" / "activities.py"
    module.parent.mkdir(parents=True)
    module.write_text("")
    expected = [
        tmp_path / "app" / "orders" / "requirements.txt",
        tmp_path / "app" / "requirements.txt",
    ]
    assert requirements_candidates(module, tmp_path / "app") == expected
    assert find_requirements(module, tmp_path / "app") is None
    (tmp_path / "app" / "requirements.txt").write_text("pydantic\n")
    assert find_requirements(module, tmp_path / "app") == tmp_path / "app" / "requirements.txt"


@activity(name="NeedsALayer")
def needs_a_layer(x: int) -> int:
    return x


class NoRequirements:
    def __init__(self, searched: list[Path]) -> None:
        self.searched = searched

    def default_requirements(self, definition: Any, code_path: Path | None) -> Path | None:
        return None

    def requirements_candidates(self, definition: Any, code_path: Path | None) -> list[Path]:
        return self.searched


def test_the_error_lists_the_places_searched(tmp_path: Path) -> None:
    searched = [tmp_path / "a" / "requirements.txt", tmp_path / "requirements.txt"]
    definition = activity_definition(needs_a_layer)
    assert definition is not None
    with pytest.raises(OrchestrationConfigError) as raised:
        activity_wiring._layer(NoRequirements(searched), definition, None, None, None)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "NeedsALayer" in message
    assert f"looked for {searched[0]}, {searched[1]}" in message
