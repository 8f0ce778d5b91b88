"""Per-thread masks in live programs: the ensureSigM thread, and one thread blocking SIGINT from C."""

import sigcamp
from sigcamp import masks


def test_plain_go_program_blocks_nothing():
    with sigcamp.start("spin-no-notify") as prog:
        summary = masks.blocked_summary(prog.pid)
    assert len(summary) >= 2, "a Go program has several threads"
    assert (summary.blocked == 0).all()


def test_with_notify_exactly_one_thread_blocks_most_signals():
    """The thread ensureSigM locks blocks every blockable signal not wanted by os/signal."""
    with sigcamp.start("notify-unread") as prog:
        summary = masks.blocked_summary(prog.pid)
    heavy = summary[summary.blocked > 30]
    assert len(heavy) == 1, summary
    assert not heavy["blocks SIGINT"].iloc[0], "blockableSig never lets SIGINT be blocked in an executable"
    assert heavy["blocks SIGUSR1"].iloc[0]
    assert (summary.drop(heavy.index).blocked == 0).all()


def test_tgkill_stays_pending_on_the_blocking_thread_while_kill_gets_through():
    df = masks.one_thread_blocks().set_index("step")
    start, aimed, killed = df.iloc[0], df.iloc[1], df.iloc[2]
    assert start["SIGINT in its SigBlk"] and not start["SIGINT in its SigPnd"]
    assert start["threads blocking SIGINT"] == 1
    assert aimed["SIGINT in its SigPnd"] and not aimed["SIGINT in ShdPnd"]
    assert aimed["program"] == "running, no signal seen"
    assert killed["program"] == "exit 130"
