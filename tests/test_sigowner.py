"""A C thread that owns SIGUSR1, on real runs: who gets the signal, what a wait and a poll cost."""

import pytest

from sigcamp import sigowner


@pytest.mark.parametrize("mode, notify, check", [
    ("thread", "", lambda r: r["C owner got"] == 0 and r["nobody saw"] == r["sent"]),
    ("constructor", "", lambda r: r["C owner got"] == r["sent"]),
    ("constructor", "notify", lambda r: r["C owner got"] + r["Go Notify got"] == r["sent"]),
])
def test_sigwait_owner_gets_the_signal_only_when_every_other_thread_blocks_it(mode, notify, check):
    row = sigowner.owner_run(mode, notify, n=6)
    assert check(row), row
    assert row["owner sleeps in"] == "rt_sigtimedwait, timeout NULL"
    assert row["owner's SigBlk has it"] is False  # unblocked by the kernel while it waits
    assert row["still pending"] is False


def test_the_articles_poll_wakes_its_thread_all_the_time_and_still_needs_the_mask():
    waiting = sigowner.owner_run("constructor", "", "sigwaitinfo", n=6)
    polling = sigowner.owner_run("constructor", "", "poll", n=6)
    for _ in range(3):  # which thread the kernel picks is scheduling: on a loaded machine the owner may catch all
        unmasked = sigowner.owner_run("thread", "", "poll", n=12)
        if unmasked["C owner got"] < unmasked["sent"]:
            break
    assert polling["C owner got"] == polling["sent"] and polling["owner's SigBlk has it"] is True
    assert polling["owner wake-ups/s"] > 1000 > waiting["owner wake-ups/s"]
    assert unmasked["C owner got"] < unmasked["sent"] and unmasked["Go Notify got"] == 0
    assert unmasked["C owner got"] + unmasked["nobody saw"] == unmasked["sent"]


def test_every_expired_sigtimedwait_gives_eagain_and_sigwaitinfo_waits_for_the_signal():
    df = sigowner.sigtimedwait_timeouts(hold=0.2)
    timed, waited = df[df["call"] == "sigtimedwait"], df[df["call"] == "sigwaitinfo"].iloc[0]
    assert list(timed["timeout (ms)"]) == [0, 0.01, 1, 10, 100]
    assert (timed["errno"] == "EAGAIN").all() and (timed["returned"] == -1).all()
    assert (timed["took (ms)"] >= timed["timeout (ms)"]).all()  # each returned once its timeout had passed
    assert waited["returned"] == "SIGUSR1" and waited["took (ms)"] >= 150
    assert waited["asleep in"] == "rt_sigtimedwait, timeout NULL"


def test_a_goroutine_blocked_in_c_does_not_hold_up_a_gc():
    df = sigowner.gc_while_owner_waits(runs=1)
    assert df["finished"].all() and len(df) == 2


def test_who_got_draws_one_bar_per_case():
    owners = sigowner.sigwait_owner((("thread", "", "sigwaitinfo"), ("constructor", "", "sigwaitinfo")), runs=1, n=4)
    fig = sigowner.who_got(owners).value
    assert len(fig.axes[0].get_yticklabels()) == 2
    summary = sigowner.owner_summary(owners)
    assert list(summary["sent"]) == [4, 4] and list(summary["C owner got"]) == [0, 4]
