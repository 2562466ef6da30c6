"""The virtual clock is a discrete-event scheduler: time moves only when every participant waits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from durable_sfn.engine.clock import RealClock, VirtualClock, Waiter

T0 = datetime(2024, 1, 1, tzinfo=UTC)
WAKE_DEADLINE = 60.0  # real seconds; only a clock that fails to wake reaches it


def test_sleeping_alone_jumps_to_the_deadline_instantly() -> None:
    clock = VirtualClock(T0)
    clock.enter()
    clock.sleep_until(T0 + timedelta(days=3))
    assert clock.now() == T0 + timedelta(days=3)
    clock.leave()


def test_time_waits_for_a_busy_participant() -> None:
    clock = VirtualClock(T0)
    release = threading.Event()
    woke_at: list[datetime] = []

    def sleeper() -> None:
        clock.sleep_until(T0 + timedelta(seconds=10))
        woke_at.append(clock.now())
        clock.leave()

    clock.enter()  # the busy worker (this thread)
    clock.enter()  # the sleeper, registered before its thread starts
    thread = threading.Thread(target=sleeper)
    thread.start()
    # While this thread is active, the sleeper cannot be woken.
    assert not release.wait(0.05)
    assert clock.now() == T0 and not woke_at
    clock.leave()
    thread.join(5)
    assert woke_at == [T0 + timedelta(seconds=10)]


def test_fire_before_deadline_returns_true_and_keeps_time() -> None:
    clock = VirtualClock(T0)
    waiter = Waiter()
    clock.enter()
    clock.fire(waiter, "value")
    assert clock.block(waiter, T0 + timedelta(hours=1)) is True
    assert waiter.value == "value"
    assert clock.now() == T0
    clock.leave()


def test_call_at_runs_actions_in_time_order() -> None:
    clock = VirtualClock(T0)
    seen: list[tuple[str, datetime]] = []
    done = Waiter()
    clock.call_at(T0 + timedelta(hours=2), lambda: seen.append(("late", clock.now())))
    clock.call_at(T0 + timedelta(hours=1), lambda: seen.append(("early", clock.now())))
    clock.call_at(T0 + timedelta(hours=3), lambda: clock.fire(done))
    clock.enter()
    assert clock.block(done) is True
    clock.leave()
    assert seen == [("early", T0 + timedelta(hours=1)), ("late", T0 + timedelta(hours=2))]


def test_real_clock_times_out_and_fires() -> None:
    clock = RealClock()
    waiter = Waiter()
    assert clock.block(waiter, clock.now() - timedelta(seconds=1)) is False
    other = Waiter()
    clock.fire(other, 1)
    assert clock.block(other, None) is True


def test_a_jump_of_time_wakes_every_waiter_due_at_that_instant() -> None:
    # All waiters due at the new instant wake together: none waits for another to block again.
    clock = VirtualClock(T0)
    woken = [threading.Event() for _ in range(50)]
    release = threading.Event()

    def sleeper(mine: threading.Event) -> None:
        clock.sleep_until(T0 + timedelta(seconds=1))
        mine.set()
        release.wait(60)  # stays a working participant until released
        clock.leave()

    threads = [threading.Thread(target=sleeper, args=(event,)) for event in woken]
    for _ in threads:  # all registered before any runs, so all block before time moves
        clock.enter()
    for thread in threads:
        thread.start()
    try:
        assert all(event.wait(WAKE_DEADLINE) for event in woken)
        assert clock.now() == T0 + timedelta(seconds=1)
    finally:
        release.set()
        for thread in threads:
            thread.join(60)


def test_early_fired_timers_are_not_pending_and_the_clock_goes_idle() -> None:
    clock = VirtualClock(T0)
    waiters = [Waiter() for _ in range(300)]
    results: list[bool] = []

    def blocker(waiter: Waiter) -> None:
        results.append(clock.block(waiter, T0 + timedelta(days=1)))
        clock.leave()

    with clock.participating():  # time stands still until every waiter is answered
        threads = []
        for waiter in waiters:
            clock.enter()
            threads.append(threading.Thread(target=blocker, args=(waiter,)))
            threads[-1].start()
        for waiter in waiters:  # answered before its deadline, like a task token
            assert clock.fire(waiter, "token")
    for thread in threads:
        thread.join(60)
    assert results == [True] * len(waiters)
    assert clock.pending_timers == 0 and clock.idle()
    assert clock.now() == T0  # no deadline ever passed
