"""strace shows what the Go runtime installs and what a signal does, on real runs."""

import os

from sigcamp import trace

GO_FLAGS = {"SA_ONSTACK", "SA_SIGINFO", "SA_RESTART"}
KNOWN_CALLS = set(trace.CALLS) | {"delivered", "exited", "killed"}


def flags(text):
    return set(text.split("|")) if isinstance(text, str) else set()


def test_go_installs_sigint_handler_with_onstack_and_the_ctrl_c_is_delivered():
    df = trace.trace("notify-exit", send="ctrl-c")
    assert df.attrs["outcome"].exit_code == 130
    assert set(df["call"]) <= KNOWN_CALLS  # every interrupted call was joined up
    sets = df[(df["call"] == "rt_sigaction") & (df["signal"] == "SIGINT") & df["handler"].notna()]
    assert len(sets) >= 1
    assert GO_FLAGS <= flags(sets.iloc[0]["flags"])
    queried = df[(df["call"] == "rt_sigaction") & (df["signal"] == "SIGINT")]["old_handler"].dropna()
    assert queried.iloc[0] == "SIG_DFL"  # the program started with the default disposition
    got = df[(df["call"] == "delivered") & (df["signal"] == "SIGINT")]
    assert len(got) == 1
    assert got.iloc[0]["flags"] == "SI_KERNEL"  # sent by the tty, not by a process


def test_installed_handlers_one_row_per_caught_signal():
    df = trace.trace("notify-exit", send="SIGTERM")
    h = trace.installed_handlers(df)
    assert len(h) >= 56
    assert h["signal"].is_unique
    assert all(GO_FLAGS <= flags(f) for f in h["flags"])
    assert set(h["symbol"]) == {"runtime.sigtramp"}
    assert set(h["was"]) == {"SIG_DFL"}
    assert not {"SIGKILL", "SIGSTOP"} & set(h["signal"])
    got = df[(df["call"] == "delivered") & (df["signal"] != "SIGURG")]  # SIGURG: preemption
    assert list(got["signal"]) == ["SIGTERM"]
    assert got.iloc[0]["flags"] == "SI_USER"  # kill(2) from another process
    assert df.attrs["outcome"].exit_code == 130


def test_no_notify_dies_by_reraising_sigint_with_tgkill():
    df = trace.trace("spin-no-notify", send="ctrl-c")
    assert df.attrs["outcome"].signal == "SIGINT"
    sigint = df[df["signal"] == "SIGINT"]
    first = sigint.index[sigint["call"] == "delivered"][0]
    after = sigint.loc[first:]
    raised = after[after["call"] == "tgkill"]
    assert len(raised) >= 1
    assert all(int(r.target) == int(r.tid) for r in raised.itertuples())  # the thread signals itself
    assert (after["handler"] == "SIG_DFL").any()  # and restores the default action
    assert (df["call"] == "killed").any()
    assert not os.path.exists(f"/proc/{df.attrs['pid']}")
