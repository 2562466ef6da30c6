"""Run many branches concurrently on a bounded pool of participant threads.

Shared by Parallel and Map. Workers pull the next index from a counter, so 10,000 Map items
need only `workers` threads. A failure can abort the group: running siblings are cancelled
(waking them from Waits or task tokens) and no new ones start. The caller joins without
counting as active, so the virtual clock keeps moving while branches wait on time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from durable_sfn.engine import errors
from durable_sfn.engine.branch import Aborted, Branch
from durable_sfn.engine.clock import Clock, Waiter
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.history import HistoryLimitExceeded


@dataclass
class Outcome:
    """How one branch ended: `value` on success, `error` on failure, neither if aborted."""

    index: int
    ok: bool
    value: Any = None
    error: StatesError | None = None
    aborted: bool = False


def fan_out(
    clock: Clock,
    count: int,
    workers: int,
    make_branch: Callable[[int], Branch],
    run_one: Callable[[int, Branch], Any],
    should_abort: Callable[[Outcome], bool],
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run `run_one(i, branch)` for i in range(count); returns outcomes in index order."""
    outcomes: list[Outcome | None] = [None] * count
    if count == 0:
        return []
    lock = threading.Lock()
    state = {"next": 0, "abort": False, "alive": 0}
    running: dict[int, Branch] = {}
    fatal: list[BaseException] = []
    done = Waiter()

    def worker() -> None:
        try:
            while True:
                with lock:
                    if state["abort"] or state["next"] >= count:
                        break
                    index = state["next"]
                    state["next"] += 1
                branch = make_branch(index)
                with lock:
                    running[index] = branch
                    if state["abort"]:
                        branch.cancel()
                try:
                    outcome = Outcome(index, True, value=run_one(index, branch))
                except Aborted:
                    outcome = Outcome(index, False, aborted=True)
                except StatesError as exc:
                    outcome = Outcome(index, False, error=exc)
                except HistoryLimitExceeded as exc:
                    fatal.append(exc)
                    outcome = Outcome(index, False, aborted=True)
                except Exception as exc:  # keep an engine bug inside the execution
                    outcome = Outcome(
                        index,
                        False,
                        error=StatesError(
                            errors.RUNTIME, f"Internal engine error: {type(exc).__name__}: {exc}"
                        ),
                    )
                if branch.parent is not None:
                    branch.parent.release(branch)
                outcomes[index] = outcome
                if on_done is not None:
                    on_done(outcome)
                with lock:
                    running.pop(index, None)
                    abort_now = (not outcome.ok and not outcome.aborted and should_abort(outcome)) or bool(
                        fatal
                    )
                    if abort_now and not state["abort"]:
                        state["abort"] = True
                        victims = list(running.values())
                    else:
                        victims = []
                for victim in victims:
                    victim.cancel()
        finally:
            with lock:
                state["alive"] -= 1
                last = state["alive"] == 0
            if last:
                clock.fire(done)
            clock.leave()

    size = max(1, min(workers, count))
    state["alive"] = size
    for _ in range(size):
        clock.enter()
        threading.Thread(target=worker, daemon=True).start()
    clock.block(done)
    if fatal:
        raise fatal[0]
    return [o if o is not None else Outcome(i, False, aborted=True) for i, o in enumerate(outcomes)]
