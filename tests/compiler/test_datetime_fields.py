"""A datetime's fields and day of the week: `.year` ... `.second`, `.microsecond`, `.weekday()`,
`.isoweekday()` and `.timestamp()`, of `ctx.current_utc_datetime`, of a datetime shifted by a
timedelta and of `datetime.fromisoformat(...)`, direct and compiled alike (the business-hours
test `9 <= now.hour < 17 and now.weekday() < 5` included)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.testing import run_direct, run_local


@orchestrator(name="DatetimeFields")
async def datetime_fields(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    now = ctx.current_utc_datetime
    later = now + timedelta(hours=data["hours"], minutes=7)
    stamp = datetime.fromisoformat(data["stamp"])
    out: list[JsonValue] = [
        [now.year, now.month, now.day, now.hour, now.minute, now.second, now.microsecond],
        [now.weekday(), now.isoweekday(), now.timestamp(), str(now.timestamp())],
        [later.year, later.month, later.day, later.hour, later.minute, later.second, later.microsecond],
        [later.weekday(), later.isoweekday(), later.timestamp(), str(later.timestamp())],
        [stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second, stamp.microsecond],
        [stamp.weekday(), stamp.isoweekday(), stamp.timestamp(), str(stamp.timestamp())],
    ]
    open_now = 9 <= later.hour < 17 and later.weekday() < 5
    out.append(
        f"{'open' if open_now else 'closed'} on day {later.isoweekday()} at {later.hour:02d}:{later.minute:02d}"
    )
    return out


STAMPS = [
    "2024-02-29T23:59:58.123+00:00",  # a leap day, milliseconds
    "1969-12-31T00:00:00Z",  # before 1970: negative milliseconds
    "0001-01-01T00:00:00Z",  # the first day Python knows, a Monday
    "9999-12-31T23:59:59.999Z",  # the last millisecond
    "2026-12-05T12:30:45.5Z",
]


@pytest.mark.parametrize("stamp", STAMPS)
@pytest.mark.parametrize("hours", [0, 9, 30, -5, 24 * 6 + 11])
def test_datetime_fields_and_weekdays_match_python(stamp: str, hours: int) -> None:
    value: dict[str, Any] = {"hours": hours, "stamp": stamp}
    direct = run_direct(datetime_fields, value)
    compiled = run_local(datetime_fields, value)
    assert direct.status == "SUCCEEDED", direct.cause
    assert (compiled.status, compiled.output) == (direct.status, direct.output)


def test_the_fields_are_the_ones_python_reads() -> None:
    out = run_direct(datetime_fields, {"hours": 0, "stamp": STAMPS[0]}).output
    assert isinstance(out, list)
    assert out[4] == [2024, 2, 29, 23, 59, 58, 123000]
    assert out[5][:2] == [3, 4]  # a Thursday
