"""DescribeMapRun and ListMapRuns: the progress of each Distributed Map (`engine.map_runs`)."""

from __future__ import annotations

from typing import Any

from durable_sfn.engine.api.base import page
from durable_sfn.engine.api.errors import error
from durable_sfn.engine.map_runs import MapRunRegistry


class MapRunsApi:
    """Mixed into `LocalStepFunctions`, which owns the registry its Distributed Maps report to."""

    map_runs: MapRunRegistry

    def describe_map_run(self, *, mapRunArn: str, **_: Any) -> dict[str, Any]:
        run = self.map_runs.get(mapRunArn) if isinstance(mapRunArn, str) else None
        if run is None:
            raise error("ResourceNotFound", f"Resource not found: '{mapRunArn}'", "DescribeMapRun")
        return run.describe()

    def list_map_runs(
        self, *, executionArn: str, maxResults: int | None = None, nextToken: str | None = None, **_: Any
    ) -> dict[str, Any]:
        self._execution(executionArn, "ListMapRuns")  # type: ignore[attr-defined]
        runs = self.map_runs.of_execution(executionArn)
        order = {r.arn: n for n, r in enumerate(runs)}  # start order keeps a token's place
        return page(
            [r.summary() for r in runs],
            "mapRuns",
            maxResults,
            nextToken,
            operation="ListMapRuns",
            position=lambda item: order[item["mapRunArn"]],
        )
