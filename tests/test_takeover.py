"""Chapter 2's evidence: what the runtime installs, how it dies by SIGINT, which names exist."""

from sigcamp import takeover


def test_startup_installs_onstack_siginfo_restart_handlers():
    handlers = takeover.startup("notify-unread")
    assert len(handlers) >= 50
    assert handlers["flags"].str.contains("SA_ONSTACK").all()
    assert handlers["flags"].str.contains("SA_SIGINFO").all()
    assert (handlers["symbol"] == "runtime.sigtramp").all()
    calls = set(handlers.attrs["events"]["call"])
    assert "rt_sigtimedwait" not in calls and "sigaltstack" in calls


def test_sigchld_is_caught_and_job_control_is_not():
    missing = set(takeover.not_caught("notify-unread")["signal"])
    assert "SIGCHLD" not in missing
    assert {"SIGKILL", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGCONT"} <= missing


def test_death_by_sigint_reraises_then_restores_the_default():
    calls = takeover.death_by_sigint("spin-no-notify")
    assert list(calls[calls["call"] == "tgkill"]["signal"]) == ["SIGINT", "SIGINT"]
    restored = calls[calls["call"] == "rt_sigaction"]
    assert list(restored["handler"]) == ["SIG_DFL"]
    assert calls["call"].iloc[-1] == "killed"


def test_the_articles_invented_names_do_not_exist():
    names = takeover.name_check().set_index("name")["defined in GOROOT/src"]
    assert not names[["runtime.opensigset", "runtime.dosig", "runtime.mksyscallg", "runtime.needkill"]].any()
    assert names[["runtime.sigtramp", "runtime.sighandler", "runtime.sigsend", "os/signal.enableSignal"]].all()
