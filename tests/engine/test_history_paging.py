"""GetExecutionHistory pages as AWS documents it: 100 events unless maxResults says otherwise
(0 means the default, at most 1000), with a nextToken while more remain, in either order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.support import all_events, new_client, run

STATES = 60  # two events each, plus ExecutionStarted and ExecutionSucceeded: 122 events


def _chain() -> dict[str, Any]:
    states: dict[str, Any] = {
        f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} if i < STATES - 1 else {"Type": "Pass", "End": True}
        for i in range(STATES)
    }
    return {"StartAt": "S0", "States": states}


@pytest.fixture(scope="module")
def long_run() -> tuple[Any, str]:
    sfn = new_client()
    result = run(sfn, _chain())
    assert result["status"] == "SUCCEEDED"
    return sfn, result["executionArn"]


def test_without_max_results_a_page_holds_100_events(long_run: tuple[Any, str]) -> None:
    sfn, arn = long_run
    first = sfn.get_execution_history(executionArn=arn)
    assert len(first["events"]) == 100 and first["nextToken"]
    rest = sfn.get_execution_history(executionArn=arn, nextToken=first["nextToken"])
    assert [e["id"] for e in first["events"] + rest["events"]] == list(range(1, 2 * STATES + 3))
    assert "nextToken" not in rest
    assert len(sfn.get_execution_history(executionArn=arn, maxResults=0)["events"]) == 100


def test_max_results_sets_the_page_up_to_1000(long_run: tuple[Any, str]) -> None:
    sfn, arn = long_run
    whole = sfn.get_execution_history(executionArn=arn, maxResults=1000)
    assert len(whole["events"]) == 2 * STATES + 2 and "nextToken" not in whole
    with pytest.raises(sfn.exceptions.ValidationException, match="less than or equal to 1000"):
        sfn.get_execution_history(executionArn=arn, maxResults=1001)


def test_reverse_order_pages_from_the_newest(long_run: tuple[Any, str]) -> None:
    sfn, arn = long_run
    newest = all_events(sfn, arn, reverseOrder=True)
    assert newest[0]["type"] == "ExecutionSucceeded"
    assert [e["id"] for e in newest] == list(range(2 * STATES + 2, 0, -1))
