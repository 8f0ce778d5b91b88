"""Chapter 3's evidence: masks C sets, handlers C installs, threads C creates, goroutines stuck in C.

Tests of real runs assert facts of the evidence; the verdicts drawn from it are
tested on fixtures (tests/claim_fixtures/ch3.py) and judged here once on the
real evidence, whatever they come out as.
"""

from collections import Counter

import pytest

from sigcamp import cgo, ledger, procfs, session, trace
from sigcamp.claims import ch3

# Evidence that several tests share: each is gathered once per module, and
# every program it starts is reaped before the fixture returns.


@pytest.fixture(scope="module")
def calls():
    return cgo.waiter_calls()


@pytest.fixture(scope="module")
def plain():
    return cgo.cond_wait_signals()


@pytest.fixture(scope="module")
def one_thread():
    return cgo.waiter_kill_vs_tgkill()


@pytest.fixture(scope="module")
def handlers():
    return cgo.sigaction_cases(runs=2)


@pytest.fixture(scope="module")
def block():
    return cgo.block_signals(hang=1.0)


@pytest.fixture(scope="module")
def dlv_commands():
    return cgo.article_dlv_commands()


@pytest.fixture(scope="module")
def breakpoints():
    return cgo.c_thread_breakpoints()


def test_only_the_waiting_thread_blocks_sigint():
    df = cgo.waiter_masks()
    waiter = df[df["in pthread_cond_wait"]]
    assert len(waiter) == 1 and waiter["blocks SIGINT"].all() and (waiter["blocked"] == 1).all()
    assert not df.drop(waiter.index)["blocks SIGINT"].any()


def test_tgkill_stays_pending_in_the_waiter_while_kill_reaches_notify(one_thread):
    aimed, killed = one_thread.iloc[1], one_thread.iloc[2]
    assert aimed["SIGINT in its SigPnd"] and not aimed["SIGINT in ShdPnd"]
    assert aimed["program"] == "running, no signal seen"
    assert killed["program"] == "exit 130"
    snapshot = one_thread.attrs["masks"].set_index("tid")
    assert "SIGINT" in snapshot.loc[one_thread.attrs["tid"], "pending"]


def test_the_waiter_changes_its_mask_once_then_sleeps_in_a_futex(calls):
    blocks = calls.index[calls["detail"] == "SIG_BLOCK SIGINT"]
    assert len(blocks) == 1
    after = calls.loc[blocks[0] + 1:]
    assert not (after["call"] == "rt_sigprocmask").any()
    waits = after[after["call"] == "futex"]
    assert len(waits) == 1 and waits["result"].iloc[0] == "still waiting", "pthread_cond_wait never returns"
    assert calls.attrs["outcome"].how == "exit 130"


def test_gdb_shows_the_waiter_in_pthread_cond_wait_under_the_cgo_call():
    frames = cgo.waiter_frames()
    functions = list(frames["function"])
    assert any("pthread_cond_wait" in f for f in functions)
    assert functions.index("block_sigint_and_wait") < functions.index("runtime.asmcgocall")
    assert "??" not in functions


def test_pthread_cond_wait_blocks_nothing_and_handlers_run_during_the_wait(plain):
    df = plain
    assert set(df["waiter blocks"]) == {"none"} and set(df["waiter pending"]) == {"none"}
    assert df["Notify got so far"].iloc[-1] == "user defined signal 1, signal 35"
    events = df.attrs["events"]
    delivered = events[events["call"] == "delivered"]["detail"]
    assert list(delivered) == ["SIGUSR1 (SI_TKILL)", "SIGRTMIN+1 (SI_TKILL)"]
    assert (events["call"] == "rt_sigprocmask").sum() == 2, "only the thread's start-up mask changes"
    assert "interrupted: ERESTARTSYS" in set(events["result"])
    out = df.attrs["outcome"]
    assert out.how == "exit 0" and "pthread_cond_wait returned 0 times" in out.output


def test_thread_roles_name_the_ensuresigm_thread_the_cgo_call_and_the_pending_sigint():
    df = cgo.thread_roles(cgo.BLOCKED_WAITER, signal="SIGINT", at=r"tid (\d+) waits")
    pid = df.attrs["pid"]
    main = df[df["tid"] == pid].iloc[0]
    assert main["m"] == 0 and "runtime.main" in main["role"]
    sigm = df[df["role"].str.contains("runtime.ensureSigM")]
    assert len(sigm) == 1 and sigm["blocked"].iloc[0] > 30 and "SIGINT" not in sigm["blocked_set"].iloc[0]
    waiter = df[df["tid"] == df.attrs["target"]].iloc[0]
    assert "in a cgo call" in waiter["role"] and "block_sigint_and_wait" in waiter["role"]
    assert waiter["blocks"] == "SIGINT" and waiter["pending"] == "SIGINT"
    assert df["m"].notna().all(), "every thread of this program is one of the runtime's Ms"
    assert any(m["extra"] for m in df.attrs["extra_ms"])
    fig = cgo.mask_map(df, title="waiter").value
    assert len(fig.axes[0].get_yticklabels()) == len(df) + 1
    graph = cgo.thread_diagram(df, title="waiter").value
    assert f"t{waiter['tid']}" in graph.source and "pending: the thread blocks it" in graph.source


def test_runtime_unblocks_exactly_what_blockablesig_lists_in_every_thread():
    df = cgo.constructor_masks()
    start, usr1, ctrl_c = df.iloc[0], df.iloc[1], df.iloc[2]
    assert df.attrs["constructor_blocked"] == 60
    assert start["unblocked = blockableSig's list"]
    assert start["threads blocking SIGUSR1"] == start["threads"] and start["threads blocking SIGINT"] == 0
    assert not start["SIGUSR1 pending (ShdPnd)"] and usr1["SIGUSR1 pending (ShdPnd)"]
    assert ctrl_c["program"] == "killed by SIGINT"
    assert {"SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGSEGV", "SIGURG"} <= set(df.attrs["unblocked"])
    assert "SIGUSR1" not in df.attrs["unblocked"]
    assert "SIGUSR1" in df.attrs["masks"]["shared_pending"].iloc[0]


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
    assert df.iloc[3]["program"] == "exit 0"


def test_only_a_blocked_sigurg_with_a_call_free_loop_hangs_the_gc(block):
    df = block.set_index(["C blocks on the spinner's thread", "spinner's loop"])
    hung = {k for k, r in df.iterrows() if r["GC"] == "still waiting"}
    assert hung == {("SIGURG", "no calls"), ("all", "no calls")}
    for key in hung:
        r = df.loc[key]
        assert "SIGURG" in r["spinner pending (SigPnd)"] and not r["printed a panic"]
        assert r["then"] == "Ctrl+C: killed by SIGINT"
    assert df.loc[("all", "no calls"), "signals blocked"] == 60
    assert df.loc[("SIGWINCH", "no calls"), "then"] == "exit 0"
    assert df.loc[("SIGURG", "calls a function"), "GC"].startswith("finished")
    assert not df["all goroutines are asleep"].any()


def test_signal_roles_come_from_the_runtime_source():
    df = cgo.signal_roles().set_index("signal")
    assert df.loc["SIGURG", "sigPreempt"] and "doSigPreempt" in df.loc["SIGURG", "sighandler calls for it"]
    assert "sigprof" in df.loc["SIGPROF", "sighandler calls for it"]
    assert not df["named in netpoll_epoll.go"].any()


def test_each_sigaction_case_has_its_outcome_every_time(handlers):
    df = handlers.set_index("sample")
    assert df.index.is_unique, f"a case had more than one outcome:\n{df}"
    assert (df["runs"] == df["of"]).all()
    assert list(df.loc["cgo-sigaction-onstack", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    assert list(df.loc["cgo-sigaction-no-onstack", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    crash = df.loc["cgo-sigaction-no-onstack-chain"]
    assert crash["ended"] == "exit 2"
    assert crash["fatal error"] == "non-Go code set up signal handler without SA_ONSTACK flag"
    assert list(df.loc["cgo-sigaction-onstack-chain", ["C handler ran", "Notify got"]]) == [1, "interrupt"]
    assert list(df.loc["cgo-notify-after-sigaction", ["C handler ran", "Notify got"]]) == [1, "nothing"]
    assert list(df.loc["cgo-sigaction-in-constructor", ["C handler ran", "Notify got"]]) == [0, "interrupt"]


def test_a_constructor_handler_runs_once_without_notify_and_the_program_still_dies(handlers):
    row = handlers.set_index("sample").loc["cgo-sigaction-in-constructor -no-notify"]
    assert row["C handler ran"] == 1 and row["ended"] == "killed by SIGINT" and not row["signal.Notify"]


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


def test_a_c_thread_passes_sigint_to_notify_or_dies_without_it():
    df = cgo.c_thread_signal()
    assert list(df["C thread blocks"]) == ["none", "none"]
    assert list(df["ended"]) == ["exit 130", "killed by SIGINT"]
    assert list(df["Notify got"]) == ["interrupt", "nothing"]


def test_delve_sees_badsignal_and_sigsend_but_never_sighandler_on_a_c_thread(breakpoints):
    df = breakpoints
    assert list(df["function"]) == ["runtime.badsignal", "runtime.sigsend"]
    assert (df["thread"] == df.attrs["tid"]).all()
    assert "C.c_thread" in df["stack"].iloc[1]
    hits = cgo.hit_counts(df).set_index("breakpoint on")["hits"]
    assert hits["runtime.sighandler"] == 0 and hits["runtime.sigsend"] == 1


def test_the_c_thread_has_no_m_and_sigsend_runs_on_the_borrowed_extra_m(breakpoints):
    threads = breakpoints.attrs["threads"]
    c_thread = threads[threads["tid"] == breakpoints.attrs["tid"]].iloc[0]
    assert c_thread["role"] == "created by C (no M)" and c_thread["blocked"] == 0
    extra_gs = {m["running_g"] for m in threads.attrs["extra_ms"]}
    assert breakpoints["goroutine"].iloc[1] in extra_gs
    receiver = breakpoints.attrs["receiver"]
    assert receiver in set(threads["tid"]) and "os/signal.loop" in threads.set_index("tid").loc[receiver, "role"]
    graph = cgo.thread_diagram(threads, breakpoints, title="c thread").value
    assert "runtime.badsignal" in graph.source and "never hit: runtime.sighandler" in graph.source


def test_delve_shows_the_goroutine_in_c_with_its_frames_and_thread():
    stuck = cgo.stuck_in_c()
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
    events = trace.parse("7 rt_sigprocmask(SIG_BLOCK, [INT], NULL, 8) = 0\n"
                         "7 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n"
                         "8 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1, si_uid=0} ---\n")
    seven = cgo.thread_events(events, 7)
    assert list(seven["detail"]) == ["SIG_BLOCK SIGINT", "FUTEX_WAIT_PRIVATE"]
    assert list(seven["result"]) == ["0", "still waiting"]
    assert list(cgo.thread_events(events, 8)["detail"]) == ["SIGUSR1 (SI_TKILL)"]
    assert procfs.number("SIGRTMIN+1") == 35


def test_the_named_runtime_functions_are_read_on_every_release():
    df = cgo.across_releases()
    assert len(df.attrs["releases"]) == len(df.filter(like="lines on").columns) >= 1
    assert (df.filter(like="lines on") > 0).all().all()
    for function in df.loc[~df["same text on every release"], "function"]:
        assert cgo.release_diff(df, function).startswith("---")


def test_the_chapter_is_judged_on_the_real_evidence(plain, one_thread, block, dlv_commands, handlers):
    """Every claim gets a verdict from what the runs returned; what each says is the judge's business."""
    evidence = {ch3.WAIT: plain, ch3.ONE_THREAD: one_thread, ch3.BLOCK: block, ch3.DLV: dlv_commands,
                ch3.HANDLERS: handlers}
    df = ledger.evaluate("ch3", evidence, record=False)
    assert list(df["id"]) == [c.id for c in ch3.CLAIMS]
    assert df["kind"].isin(ledger.KINDS).all() and (df["measured"].str.len() > 40).all()
