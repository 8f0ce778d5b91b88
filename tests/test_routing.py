"""LockOSThread + Notify on real runs: where the handler runs for kill, tgkill and pthread_kill."""

import pytest

from sigcamp import routing


@pytest.fixture(scope="module")
def goroutine_run():
    return routing.routing_run("goroutine", per=2)


def test_lockosthread_does_not_route_kill_but_tgkill_and_pthread_kill_do(goroutine_run):
    df = goroutine_run
    assert len(df) == 6 and df["handler ran on"].notna().all()
    kill, aimed = df[df["sent with"] == "kill"], df[df["sent with"] != "kill"]
    assert (kill["locked thread"] != kill["main thread"]).all()
    assert (kill["handler ran on"] != kill["locked thread"]).all()
    assert (aimed["handler ran on"] == aimed["locked thread"]).all()
    # a locked thread runs only its goroutine: os/signal.loop runs elsewhere, the reader on its own thread
    assert (df["os/signal.loop ran on"] != df["locked thread"]).all()
    assert (df["receiver ran on"] == df["locked thread"]).all()


def test_the_landing_map_counts_every_signal(goroutine_run):
    summary = routing.routing_summary(goroutine_run)
    assert list(summary["signals"]) == [2, 2, 2]
    assert summary.loc[summary["SIGUSR1 sent with"] == routing.METHOD_TEXT["tgkill"],
                       "runtime.sighandler ran on"].iloc[0] == "locked thread: 2"
    fig = routing.landing_map(goroutine_run).value
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("2 of 2") == 3 and texts.count("0 of 2") == 6


def test_locking_the_main_goroutine_puts_the_locked_thread_where_kill_lands():
    df = routing.routing_run("main", methods=("kill",), per=2)
    assert (df["locked thread"] == df["main thread"]).all()
    assert (df["handler ran on"] == df["main thread"]).all()


def test_the_order_of_lock_and_notify_changes_nothing_and_unlocked_goroutines_get_it_too():
    df = routing.notify_order(n=3).set_index("case")
    assert (df["the locked goroutine got"] == 3).all() and (df["on its locked thread"] == 3).all()
    assert df["an unlocked goroutine got"].dropna().tolist() == [3]
