"""Run many branches concurrently on a bounded pool of participant threads.

Shared by Parallel and Map. Workers pull the next index from a counter, so 10,000 Map items
need only `workers` threads. A failure can abort the group: running siblings are asked to stop
(woken from Waits or task tokens; otherwise they finish the state they are in) and no new ones
start. Starts and stops happen on the clock's rounds (`Clock.settle`), so which iterations
start and which calls they make before a sibling's failure stops them does not depend on thread
timing: every iteration started in a round runs its first state, as on AWS. The caller joins
without counting as active, so the virtual clock keeps moving while branches wait on time.
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
    on_start: Callable[[int, Branch], None] | None = None,
) -> list[Outcome]:
    """Run `run_one(i, branch)` for i in range(count); returns outcomes in index order.

    `on_start(i, branch)` (a Map's MapIterationStarted) runs before `run_one(i, branch)`, in
    index order: AWS starts iterations in index order, while the worker threads that take
    consecutive indices may reach them in any order.
    """
    outcomes: list[Outcome | None] = [None] * count
    if count == 0:
        return []
    lock = threading.Lock()
    # Whose turn it is to start (the next index in order); a skipped index passes its turn on.
    turn = threading.Condition(threading.Lock())
    next_start = [0]

    def take_turn(index: int, start: Callable[[], None] | None) -> None:
        with turn:
            while next_start[0] != index:
                turn.wait()
            try:
                if start is not None:
                    start()
            finally:
                next_start[0] = index + 1
                turn.notify_all()

    # `abort_round`: the round in which the group decided to stop. Workers look at it only
    # after `settle`, so a decision taken in round r stops new starts from round r + 1 on,
    # whichever thread happened to run first within round r.
    state: dict[str, Any] = {"next": 0, "abort_round": None, "alive": 0}
    running: dict[int, Branch] = {}
    fatal: list[BaseException] = []
    done = Waiter()

    def stopped(round_: int) -> bool:
        abort_round = state["abort_round"]
        return abort_round is not None and abort_round < round_

    # The first wave (one item per worker) is started whatever happens meanwhile, and its
    # branches date from the fan-out's start: a sibling failing first (possible on the real
    # clock, which has no rounds) stops them only after their first state.
    start_round = clock.current_round()

    def worker(first: int) -> None:
        clock.bind_branch_thread()
        pending: int | None = first
        try:
            while True:
                round_ = clock.settle()
                if pending is not None:
                    index, pending = pending, None
                    born = start_round
                else:
                    with lock:
                        if stopped(round_) or state["next"] >= count:
                            break
                        index = state["next"]
                        state["next"] += 1
                    born = round_
                branch = make_branch(index)
                branch.round = born
                if branch.parent is not None and branch.parent.stopped_by(round_):
                    branch.parent.release(branch)  # the whole fan-out is being stopped
                    if on_start is not None:
                        take_turn(index, None)
                    break
                with lock:
                    running[index] = branch
                    if state["abort_round"] is not None:
                        branch.cancel_after(state["abort_round"])
                outcome = _run(index, branch)
                if branch.parent is not None:
                    branch.parent.release(branch)
                outcomes[index] = outcome
                if on_done is not None:
                    on_done(outcome)
                with lock:
                    running.pop(index, None)
                    failed = not outcome.ok and not outcome.aborted and should_abort(outcome)
                    if (failed or fatal) and state["abort_round"] is None:
                        state["abort_round"] = clock.current_round()
                        victims = list(running.values())
                    else:
                        victims = []
                for victim in victims:
                    victim.cancel_after(state["abort_round"])
        finally:
            with lock:
                state["alive"] -= 1
                last = state["alive"] == 0
            if last:
                clock.fire(done)
            clock.leave(branch=True)

    def _run(index: int, branch: Branch) -> Outcome:
        try:
            if on_start is not None:
                take_turn(index, lambda: on_start(index, branch))
            return Outcome(index, True, value=run_one(index, branch))
        except Aborted:
            return Outcome(index, False, aborted=True)
        except StatesError as exc:
            return Outcome(index, False, error=exc)
        except HistoryLimitExceeded as exc:
            fatal.append(exc)
            return Outcome(index, False, aborted=True)
        except Exception as exc:  # keep an engine bug inside the execution
            return Outcome(
                index,
                False,
                error=StatesError(errors.RUNTIME, f"Internal engine error: {type(exc).__name__}: {exc}"),
            )

    size = max(1, min(workers, count))
    state["alive"] = size
    state["next"] = size
    for _ in range(size):  # all enter before any starts, so the first round waits for all
        clock.enter(branch=True)
    for first in range(size):
        threading.Thread(target=worker, args=(first,), daemon=True).start()
    clock.block(done)
    if fatal:
        raise fatal[0]
    return [o if o is not None else Outcome(i, False, aborted=True) for i, o in enumerate(outcomes)]
