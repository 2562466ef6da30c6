"""The virtual clock under load: thousands of executions started from many threads all end.

Completion is asserted with a generous deadline (a stuck execution reaches it), never timed. The
suite runs a thousand of each so that it stays quick on a busy machine; the long forms, 3,000
mixed executions repeated and 5,000 plain waits, are
`python -m tests.engine.clock_stress --runs 50 --executions 3000 --threads 32` and
`python -m tests.engine.clock_stress --runs 3 --executions 5000 --threads 32 --kinds wait`.
"""

from __future__ import annotations

from tests.engine.clock_stress import stress

DEADLINE = 120.0  # real seconds for the whole run; the clock this replaced needed minutes for 2,000


def test_a_thousand_executions_of_every_kind_from_32_threads_all_end() -> None:
    result = stress(executions=1000, threads=32, deadline=DEADLINE)
    assert not result.stuck, result.stuck[:5]
    assert not result.wrong, result.wrong[:5]
    assert (result.active_after, result.timers_after) == (0, 0)


def test_a_thousand_executions_waiting_one_second_from_32_threads_all_complete() -> None:
    result = stress(executions=1000, threads=32, deadline=DEADLINE, kinds=("wait",))
    assert not result.stuck, result.stuck[:5]
    assert result.statuses["SUCCEEDED"] == 1000
    assert (result.active_after, result.timers_after) == (0, 0)
