"""Chapter 2's start-up evidence: what the runtime installs, what it leaves alone and why, how it dies by SIGINT."""

from sigcamp import sigtable, takeover


def test_startup_installs_onstack_siginfo_restart_handlers():
    handlers = takeover.startup("notify-unread")
    assert len(handlers) >= 50
    assert handlers["flags"].str.contains("SA_ONSTACK").all()
    assert handlers["flags"].str.contains("SA_SIGINFO").all()
    assert (handlers["symbol"] == "runtime.sigtramp").all()
    calls = set(handlers.attrs["events"]["call"])
    assert "rt_sigtimedwait" not in calls and "sigaltstack" in calls
    flags = takeover.handler_flags(handlers).set_index("flag")
    assert flags.loc["SA_ONSTACK", "handlers with it"] == f"{len(handlers)} of {len(handlers)}"


def test_each_thread_queries_then_sets_its_signal_stack():
    events = takeover.startup("notify-unread").attrs["events"]
    stacks = takeover.sigaltstack_calls(events)
    assert len(stacks) >= 3 and (stacks["calls"] == 2).all()
    assert stacks["first"].str.startswith("query").all() and (stacks["second"] == "set: a 32 KiB stack").all()
    assert stacks["main thread"].sum() == 1


def test_not_caught_reasons_come_from_the_runtimes_sigtable():
    table = takeover.not_caught("notify-unread").set_index("signal")
    assert "SIGCHLD" not in table.index  # caught in both binaries
    assert {"SIGKILL", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGCONT", "SIG32", "SIGRTMIN"} <= set(table.index)
    assert (table.loc[["SIG32", "SIGRTMIN"], "pure Go"] == takeover.NOT_CAUGHT).all()
    assert table.loc["SIG32", "the runtime decides (its source)"].startswith("no handler: _SigSetStack:")
    assert "glibc reserves" not in " ".join(table["the runtime decides (its source)"])
    # 33: the runtime's own per-thread syscall signal in a pure Go binary; in a cgo binary the C library's
    row = table.loc["SIG33"]
    assert row["pure Go"] == takeover.CAUGHT_BY_GO
    assert row["cgo"].startswith(takeover.CAUGHT_BY_C) and "pthread_create" in row["cgo"]
    assert "pure Go: handler: sigPerThreadSyscall is" in row["the runtime decides (its source)"]
    for n in (32, 33, 34):  # the table itself, from GOROOT
        assert "_SigSetStack" in sigtable.table().set_index("number").loc[n, "flags"]


def test_signal_33_runs_setuid_on_every_thread():
    steps = takeover.per_thread_syscall("setuid-all-threads")
    assert steps.attrs["outcome"].how == "exit 0"
    assert steps.iloc[0]["event"] == "rt_sigaction SIG33" and "runtime.sigtramp" in steps.iloc[0]["detail"]
    signalled = steps.attrs["threads signalled"]
    assert signalled >= 1 and steps.attrs["setuid threads"] == signalled + 1  # the caller, then each one signalled
    assert (steps["event"] == "SIG33 delivered").sum() == signalled


def test_death_by_sigint_reraises_then_restores_the_default():
    steps = takeover.death_by_sigint("spin-no-notify")
    assert list(steps[steps["event"] == "tgkill"]["detail"]) == ["to itself", "to itself"]
    assert list(steps[steps["event"] == "rt_sigaction"]["detail"]) == ["handler SIG_DFL"]
    delivered = steps[steps["event"] == "SIGINT delivered"]["detail"].tolist()
    assert delivered[0] == "from the tty (SI_KERNEL)" and len(delivered) == 3
    assert steps["event"].iloc[-1] == "killed"
    assert not steps.isna().any().any()


def test_the_articles_invented_names_do_not_exist():
    names = takeover.name_check().set_index("name")["defined in GOROOT/src"]
    assert not names[["runtime.opensigset", "runtime.dosig", "runtime.mksyscallg", "runtime.needkill"]].any()
    assert names[["runtime.sigtramp", "runtime.sighandler", "runtime.sigsend", "os/signal.enableSignal"]].all()


def test_the_runtime_names_m_p_and_g_and_who_calls_enablesignal():
    says = takeover.mpg_glossary().set_index("letter")["the runtime says"]
    assert says["M"].startswith("worker thread") and says["G"].startswith("goroutine")
    callers = takeover.enable_signal_callers()
    assert callers.loc[callers["call"] == "enableSignal", "from"].tolist() == ["os/signal.Notify"]
