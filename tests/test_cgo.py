"""Chapter 3's evidence: masks C sets, handlers C installs, threads C creates, goroutines stuck in C."""

from collections import Counter

import pytest

from sigcamp import cgo, masks, procfs, session

# Evidence that several tests and claims() share: each is gathered once per module,
# and every program it starts is reaped before the fixture returns.


@pytest.fixture(scope="module")
def calls():
    return cgo.waiter_calls()


@pytest.fixture(scope="module")
def plain():
    return cgo.cond_wait_signals()


@pytest.fixture(scope="module")
def one_thread():
    return masks.one_thread_blocks(cgo.BLOCKED_WAITER)


@pytest.fixture(scope="module")
def handlers():
    return cgo.sigaction_cases(runs=2)


@pytest.fixture(scope="module")
def constructor():
    return cgo.constructor_masks()


@pytest.fixture(scope="module")
def block():
    return cgo.block_all(hang=1.0)


@pytest.fixture(scope="module")
def stuck():
    return cgo.stuck_in_c()


@pytest.fixture(scope="module")
def dlv_commands():
    return cgo.article_dlv_commands()


@pytest.fixture(scope="module")
def c_thread():
    return cgo.c_thread_signal()


@pytest.fixture(scope="module")
def breakpoints():
    return cgo.c_thread_breakpoints()


def test_only_the_waiting_thread_blocks_sigint():
    df = cgo.waiter_masks()
    waiter = df[df["in pthread_cond_wait"]]
    assert len(waiter) == 1 and waiter["blocks SIGINT"].all() and (waiter["blocked"] == 1).all()
    assert not df.drop(waiter.index)["blocks SIGINT"].any()


def test_tgkill_stays_pending_in_the_waiter_while_kill_reaches_notify(one_thread):
    df = one_thread
    aimed, killed = df.iloc[1], df.iloc[2]
    assert aimed["SIGINT in its SigPnd"] and not aimed["SIGINT in ShdPnd"]
    assert aimed["program"] == "running, no signal seen"
    assert killed["program"] == "exit 130"


def test_the_waiter_changes_its_mask_once_then_sleeps_in_a_futex(calls):
    blocks = calls.index[calls["detail"] == "SIG_BLOCK SIGINT"]
    assert len(blocks) == 1
    after = calls.loc[blocks[0] + 1:]
    assert not (after["call"] == "rt_sigprocmask").any()
    waits = after[after["call"] == "futex"]
    assert len(waits) == 1 and waits["result"].iloc[0] == "?", "pthread_cond_wait never returns"
    assert calls.attrs["outcome"].how == "exit 130"


def test_gdb_shows_the_waiter_in_pthread_cond_wait_under_the_cgo_call():
    functions = list(cgo.waiter_frames()["function"])
    assert any("pthread_cond_wait" in f for f in functions)
    assert functions.index("block_sigint_and_wait") < functions.index("runtime.asmcgocall")


def test_pthread_cond_wait_blocks_nothing_and_handlers_run_during_the_wait(plain):
    df = plain
    assert set(df["waiter blocks"]) == {"none"} and set(df["waiter pending"]) == {"none"}
    assert df["Notify got so far"].iloc[-1] == "user defined signal 1, signal 35"
    events = df.attrs["events"]
    delivered = events[events["call"] == "delivered"]["detail"]
    assert list(delivered) == ["SIGUSR1 (SI_TKILL)", "SIGRTMIN+1 (SI_TKILL)"]
    assert (events["call"] == "rt_sigprocmask").sum() == 2, "only the thread's start-up mask changes"
    out = df.attrs["outcome"]
    assert out.how == "exit 0" and "pthread_cond_wait returned 0 times" in out.output


def test_runtime_unblocks_exactly_what_blockablesig_lists_in_every_thread(constructor):
    df = constructor
    start, usr1, ctrl_c = df.iloc[0], df.iloc[1], df.iloc[2]
    assert df.attrs["constructor_blocked"] == 60
    assert start["unblocked = blockableSig's list"]
    assert start["threads blocking SIGUSR1"] == start["threads"] and start["threads blocking SIGINT"] == 0
    assert not start["SIGUSR1 pending (ShdPnd)"] and usr1["SIGUSR1 pending (ShdPnd)"]
    assert ctrl_c["program"] == "killed by SIGINT"
    assert {"SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGSEGV", "SIGURG"} <= set(df.attrs["unblocked"])
    assert "SIGUSR1" not in df.attrs["unblocked"]


def test_runtime_unblocks_follows_the_source():
    df = cgo.runtime_unblocks().set_index("signal")
    assert df.loc["SIGINT", "why"] == "_SigKill" and df.loc["SIGQUIT", "why"] == "_SigThrow"
    assert not df.loc["SIGUSR1", "unblocked by the runtime"]
    assert df.loc["SIGURG", "unblocked by the runtime"]
    assert not cgo.runtime_unblocks(asyncpreemptoff=True).set_index("signal").loc["SIGURG", "unblocked by the runtime"]


def test_notify_unblocks_a_constructor_blocked_signal_in_one_thread():
    df = cgo.constructor_then_notify()
    pending, notified = df.iloc[1], df.iloc[2]
    assert pending["SIGUSR1 pending (ShdPnd)"] and pending["threads leaving it unblocked"] == 0
    assert notified["threads leaving it unblocked"] == 1 and not notified["SIGUSR1 pending (ShdPnd)"]
    assert notified["Notify got"] == "user defined signal 1"
    assert df.iloc[3]["Notify got"] == "exit 0"


def test_blocking_every_signal_hangs_gc_silently_with_sigurg_pending(block):
    df = block
    hung, free = df.iloc[0], df.iloc[1]
    assert hung["spinner blocks"] == 60 and "SIGURG" in hung["spinner pending (SigPnd)"]
    assert hung["GC after 1 s"] == "still waiting" and not hung["printed a panic"]
    assert hung["then"] == "Ctrl+C: killed by SIGINT"
    assert free["GC after 1 s"].startswith("finished") and free["then"] == "exit 0"


def test_signal_roles_come_from_the_runtime_source():
    df = cgo.signal_roles().set_index("signal")
    assert df.loc["SIGURG", "sigPreempt"] and "doSigPreempt" in df.loc["SIGURG", "sighandler calls for it"]
    assert "sigprof" in df.loc["SIGPROF", "sighandler calls for it"]
    assert not df["named in netpoll_epoll.go"].any()


def test_each_sigaction_case_has_its_outcome_every_time(handlers):
    df = handlers.set_index("sample")
    assert df.index.is_unique, f"a case had more than one outcome:\n{df}"
    assert (df["runs"] == "2 of 2").all()
    assert list(df.loc["cgo-sigaction-onstack", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    assert list(df.loc["cgo-sigaction-no-onstack", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    crash = df.loc["cgo-sigaction-no-onstack-chain"]
    assert crash["ended"] == "exit 2"
    assert crash["fatal error"] == "non-Go code set up signal handler without SA_ONSTACK flag"
    assert list(df.loc["cgo-sigaction-onstack-chain", ["C handler ran", "Notify got"]]) == [1, "interrupt"]
    assert list(df.loc["cgo-notify-after-sigaction", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    assert list(df.loc["cgo-sigaction-in-constructor", ["C handler ran", "Notify got"]]) == [0, "interrupt"]


def test_the_missing_sa_onstack_crash_is_deterministic_here():
    seen = Counter(session.run(cgo.CRASHING_HANDLER, send="SIGINT", wait=5).how for _ in range(8))
    assert seen == Counter({"exit 2": 8})


def test_the_crash_depends_on_the_stack_the_signal_lands_on():
    df = cgo.stack_matters().set_index("tgkill(SIGINT) at")
    spinning, idle = df.iloc[0], df.iloc[1]
    assert spinning["ended"] == "exit 2" and "SA_ONSTACK" in spinning["fatal error"]
    assert idle["ended"] == "exit 0" and idle["Notify got"] == "interrupt" and idle["C handler ran"] == 1


def test_who_wins_depends_on_when_c_installs_its_handler():
    df = cgo.sigaction_calls()
    after = df[df["program"] == "cgo-notify-after-sigaction"]
    assert list(after["handler"]) == ["runtime.cgoSigtramp", "c_handler"]
    assert after["replaced"].iloc[1] == "runtime.cgoSigtramp"
    before = df[df["program"] == "cgo-sigaction-in-constructor"]
    assert list(before["handler"]) == ["c_handler", "runtime.cgoSigtramp"]


def test_a_c_thread_passes_sigint_to_notify_or_dies_without_it(c_thread):
    df = c_thread
    assert list(df["C thread blocks"]) == ["none", "none"]
    assert list(df["ended"]) == ["exit 130", "killed by SIGINT"]
    assert df["Notify got"].iloc[0] == "interrupt"


def test_delve_sees_badsignal_and_sigsend_but_never_sighandler_on_a_c_thread(breakpoints):
    df = breakpoints
    assert list(df["function"]) == ["runtime.badsignal", "runtime.sigsend"]
    assert (df["thread"] == df.attrs["tid"]).all()
    assert "C.c_thread" in df["stack"].iloc[1]
    hits = df.attrs["hits"]
    assert hits["runtime.sighandler"] == 0 and hits["runtime.sigsend"] == 1


def test_delve_shows_the_goroutine_in_c_with_its_frames_and_thread(stuck):
    g = stuck.goroutines.set_index("id").loc[stuck.goroutine]
    assert g["status"] == "syscall" and g["thread"] == stuck.tid
    frames = list(stuck.stack["function"])
    assert "runtime.cgocall" in frames and "block_sigint_and_wait" in frames
    assert frames.index("block_sigint_and_wait") < frames.index("runtime.cgocall")
    assert stuck.tid in set(stuck.threads["id"])


def test_the_articles_dlv_dump_command_fails_and_bt_shows_c_frames(dlv_commands):
    df = dlv_commands.set_index("command")
    dump = next(c for c in df.index if c.startswith("goroutine") and c.endswith("dump"))
    bt = next(c for c in df.index if c.endswith("bt"))
    assert "not enough arguments" in df.loc[dump, "output"]
    assert "core dump" in df.loc["help dump", "output"]
    assert "pthread_cond_wait" in df.loc[bt, "output"] and "runtime.cgocall" in df.loc[bt, "output"]


def test_thread_events_condense_strace_rows():
    from sigcamp import trace
    events = trace.parse("7 rt_sigprocmask(SIG_BLOCK, [INT], NULL, 8) = 0\n"
                         "7 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n"
                         "8 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1, si_uid=0} ---\n")
    assert list(cgo.thread_events(events, 7)["detail"]) == ["SIG_BLOCK SIGINT", "FUTEX_WAIT_PRIVATE"]
    assert list(cgo.thread_events(events, 8)["detail"]) == ["SIGUSR1 (SI_TKILL)"]
    assert procfs.number("SIGRTMIN+1") == 35


def test_claims_are_built_from_the_evidence(calls, plain, one_thread, constructor, block, handlers, stuck,
                                            dlv_commands, c_thread, breakpoints):
    df = cgo.claims(calls=calls, plain=plain, one_thread=one_thread, roles=cgo.signal_roles(),
                    constructor=constructor, block=block, handlers=handlers, stuck=stuck,
                    dlv_commands=dlv_commands, c_thread=c_thread, breakpoints=breakpoints)
    verdicts = list(df["verdict"])
    assert verdicts[:2] == ["false", "false"] and verdicts[5] == "false"
    assert verdicts[2] == "false for masks: pending, not lost; true for C handlers"
    assert verdicts[4] == "false: a silent hang"
    assert verdicts[3] == "SIGUSR1 false; SIGURG false; SIGPROF true"
    assert verdicts[6] == "half true: goroutines -u and bt, not dump"
    assert df["what we measured"].str.len().min() > 40
