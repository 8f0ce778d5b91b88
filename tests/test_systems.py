"""Chapter 5's experiments: dumps on signals, GOTRACEBACK, graceful shutdown, sd_notify, EINTR, a C epoll
loop, setns, memory limits, unknown os.Signal values on both releases."""

import os
import socket

import pytest

from sigcamp import dumps, epoll_loop, eintr, memlimit, namespaces, shutdown, supervisor, systems, toolchain
from sigcamp import unknown_signals


def test_sigusr1_dumps_goroutines_and_sigusr2_writes_a_heap_profile():
    d = dumps.on_signals(conns=6, workers=3, cache_mib=8)
    assert d.alive_after and d.outcome.how == "exit 143"
    g = d.goroutines
    readers = g[(g["state"] == "IO wait") & g["stack"].str.contains(r"net\.\(\*conn\)\.Read", regex=True)]
    assert len(readers) == 6 and set(readers["user_frame"]) == {"main.serveConn"}
    assert ((g["state"] == "chan receive") & (g["user_frame"] == "main.worker")).sum() == 3
    assert d.heap.iloc[0]["function"].startswith("main.fillCache")
    assert 0.4 * 8 * 2**20 <= d.heap.iloc[0]["flat_bytes"] <= 2.5 * 8 * 2**20  # a sampled estimate
    stw, longest_us = d.stw["goroutines"]
    assert stw >= 1 and longest_us > 0  # runtime.Stack(all) stops the world
    assert "stack" not in dumps.goroutine_table(d.goroutines).columns


def test_sigquit_prints_everything_below_crash_while_panics_obey_gotraceback():
    t = dumps.traceback_levels(levels=("none", "single", "all", "2", "crash")).set_index(["failure", "GOTRACEBACK"])
    assert t.loc[("panic", "2"), "register dumps"] == 0 and t.loc[("panic", "2"), "runtime frames"] > 0
    for level in ("none", "single", "all", "2"):
        quit_ = t.loc[("SIGQUIT", level)]
        assert quit_["ended"] == "exit 2" and quit_["main.* goroutines"] == 5
        assert quit_["runtime frames"] > 0 and quit_["register dumps"] == 1
    crash = t.loc[("SIGQUIT", "crash")]
    assert crash["ended"] == "killed by SIGABRT" and crash["register dumps"] >= 2
    assert (t["core files"] == 0).all()
    assert t.loc[("panic", "none"), "goroutines shown"] == 0
    assert t.loc[("panic", "single"), "goroutines shown"] == 1
    assert t.loc[("panic", "all"), "main.* goroutines"] == 5 and t.loc[("panic", "all"), "runtime frames"] == 0
    assert t.loc[("panic", "crash"), "ended"] == "killed by SIGABRT"
    assert "sighandler" in set(dumps.traceback_rule()["in_function"])


def test_graceful_shutdown_answers_in_flight_requests_and_the_mistakes_lose_them():
    summary, runs = shutdown.scenario_table(inflight=5, late=2, handler_ms=500)
    s = summary.set_index("scenario")
    for title, code in (("SIGTERM, grace 5 s", "exit 143"), ("Ctrl+C, grace 5 s", "exit 130")):
        assert s.loc[title, "ended"] == code
        assert s.loc[title, "answered"] == 5 and s.loc[title, "late refused"] == 2
    assert s.loc["Ctrl+C twice", "ended"] == "exit 130" and s.loc["Ctrl+C twice", "lost"] == 5
    assert s.loc["Ctrl+C, grace 100 ms < handlers", "ended"] == "exit 1"
    assert s.loc["Ctrl+C, grace 100 ms < handlers", "lost"] == 5
    assert s.loc["Notify(os.Interrupt) only, SIGTERM", "ended"] == "killed by SIGTERM"
    assert s.loc["Notify(os.Interrupt) only, SIGTERM", "lost"] == 5
    assert s.loc["main returns when Serve returns", "lost"] == 5
    assert all(r["result"].notna().all() for r in runs)


def test_notify_socket_names_the_sender_pid():
    with supervisor.NotifySocket() as ns:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"READY=1\nSTATUS=test", ns.path)
        at, pid, fields, _ = ns.receive(2)
    assert pid == os.getpid() and fields == {"READY": "1", "STATUS": "test"}


def test_supervisor_restarts_a_service_whose_pings_stop():
    ev = supervisor.supervise(env={"HANG_AFTER": "3"}, watchdog_ms=200, run_s=1.6)
    inst = supervisor.instance_table(ev)
    assert (ev["event"] == "watchdog timeout").sum() >= 1 and len(inst) >= 2
    assert inst["READY at (s)"].notna().all()
    timed_out = inst.loc[inst["watchdog timeout"], "ended"]
    assert len(timed_out) >= 1 and (timed_out == "exit 2").all(), inst
    last = inst.iloc[-1]
    assert last["ended"] == "exit 143" and last["STOPPING=1"]
    stuck = supervisor.stuck_goroutines(ev, 1)
    assert ((stuck["user_frame"] == "main.feed") & (stuck["state"] == "sync.Mutex.Lock")).any()
    assert set(ev.dropna(subset=["pid"]).groupby("instance")["pid"].nunique()) == {1}


def test_a_free_running_ticker_keeps_a_hung_service_alive():
    ev = supervisor.supervise(env={"HANG_AFTER": "3", "PING_MODE": "ticker"}, watchdog_ms=200, run_s=1.2)
    inst = supervisor.instance_table(ev)
    assert len(inst) == 1 and not inst.iloc[0]["watchdog timeout"] and inst.iloc[0]["ended"] == "exit 143"
    status = supervisor.pings(ev)["status"]
    assert status.iloc[-1] == status.iloc[-3] and len(status) >= 8  # the job count stopped moving


def test_read_is_interrupted_without_sa_restart_and_restarted_with_it():
    df = eintr.c_read(gap_s=0.1)
    norestart, restart = df[df["mode"] == "norestart"], df[df["mode"] == "restart"]
    assert list(norestart["returned"]) == ["-1 (EINTR)", "-1 (EINTR)", "-1 (EINTR); 1 byte"]
    assert list(restart["returned"]) == ["nothing: still blocked"] * 2 + ["1 byte"]
    assert df["handler"].all() and (df["ended"] == "exit 0").all()
    assert set(restart["afterwards"].iloc[:2]) == {"read(fd 3)"}


def test_go_pipe_reads_survive_a_signal_storm():
    df = eintr.go_reads("pipe-read-signals", per_thread=30, kills=30)
    assert (df["Go code got"] == "6 bytes, err <nil>").all()
    blocked = df[df["fd"].notna() & (df["reader"] != "os.Pipe read")]
    assert set(blocked["reader"]) == {"raw syscall.Read", "os.NewFile read"}, df
    assert (blocked["read interrupted (? ERESTARTSYS)"] >= 3).all()  # pending signals coalesce under load
    assert (blocked["kernel restarted it"] == blocked["read interrupted (? ERESTARTSYS)"]).all()
    assert df.attrs["eintr"] == 0


def test_a_c_handler_without_sa_restart_reaches_raw_syscalls_but_not_os_file():
    df = eintr.go_reads("cgo-eintr-retry", per_thread=20, kills=0).set_index("reader")
    assert "interrupted system call" in df.loc["raw syscall.Read", "Go code got"]
    assert df.loc["os.NewFile read", "Go code got"] == "6 bytes, err <nil>"
    assert df.loc["os.NewFile read", "EINTR to user space"] >= 5
    assert df.loc["os.Pipe read", "Go code got"] == "6 bytes, err <nil>"


def test_source_evidence():
    w = systems.windows_console_events().set_index("event")
    assert w.loc["CTRL_C_EVENT", "os/signal delivers"] == "SIGINT"
    assert w.loc["CTRL_BREAK_EVENT", "os/signal delivers"] == "SIGINT"
    assert w.loc["CTRL_CLOSE_EVENT", "os/signal delivers"] == "SIGTERM"
    assert w.attrs["sigsend calls"] == 1
    loops = eintr.retry_loops().set_index("helper")
    assert "Read" in loops.loc["internal/poll.ignoringEINTRIO", "called from"]
    peer = systems.peer_pid_options().set_index("option")
    assert peer.loc["SO_PEERCRED"].all()


def test_traceback_levels_side_by_side_per_release():
    t = dumps.traceback_by_release(levels=("none", "crash"))
    versions = [toolchain.go().version_text] if len(toolchain.course_versions()) == 1 else None
    ended = [c for c in t.columns if c.endswith(": ended")]
    assert len(ended) == len(versions or toolchain.course_versions())
    for col in ended:
        assert list(t[col]) == ["exit 2", "killed by SIGABRT", "exit 2", "killed by SIGABRT"]


def test_unknown_signals_hang_or_panic_before_go_1_27_and_return_after():
    df = unknown_signals.run(("notify-stop", "notify-all-reset", "notify-usr1-reset"), wait="200ms")
    releases = toolchain.course_versions()
    assert df["go"].nunique() == len(releases) and len(df) == 3 * len(releases), df
    for go, part in df.groupby("go"):
        r = part.set_index("case")["result"]
        assert r["notify-usr1-reset"] == "returned"
        if toolchain.parse_go_version(go)[:2] >= (1, 27):
            assert set(r) == {"returned"}, go
        else:
            assert r["notify-stop"] == "hangs" and r["notify-all-reset"] == "panicked", go
            assert "index out of range [-1]" in part.set_index("case").loc["notify-all-reset", "detail"]
    assert set(unknown_signals.by_release(df).columns) == {"calls made", *df["go"].unique()}


def test_a_signal_on_the_epoll_threads_interrupts_it_and_ctrl_c_still_works():
    df = epoll_loop.run(quiet_s=0.2, aimed=3, to_process=2).set_index("setup")
    assert (df["before"] == "in epoll_wait").all()
    assert (df["EINTR in quiet_s of GC"] == 0).all()
    retry = df.loc["no Notify, loop retries on EINTR"]
    assert retry["EINTR from them"] == 3 and retry["loop afterwards"] == "in epoll_wait"
    assert retry["Ctrl+C"] == "killed by SIGINT"
    notify = df.loc["Notify(SIGINT, SIGUSR1), loop retries on EINTR"]
    assert notify["EINTR from them"] == 3 and notify["Notify deliveries"] >= 3 and notify["Ctrl+C"] == "exit 130"
    assert df.loc["no Notify, loop gives up on EINTR", "loop afterwards"] == "returned -1"
    assert df.loc["no Notify, SIGINT aimed at the loop's thread", "Ctrl+C"] == "not needed: killed by SIGINT"


@pytest.mark.skipif(os.geteuid() != 0, reason="creating and joining namespaces needs root")
def test_setns_moves_only_the_callers_later_children_and_refuses_mount_and_user_namespaces():
    f = namespaces.setns_join().attrs["facts"]
    assert f["pid_setns"] == "ok" and f["own_pid_unchanged"] and f["thread_pidns_unchanged"]
    assert f["children_in_target"] and f["same_thread_child_in_target"] and not f["other_thread_child_in_target"]
    assert f["same_thread_child_pid"] == 2 and f["other_thread_child_pid"] > 2
    assert f["mnt_setns"] == "EINVAL" and f["user_setns"] == "EINVAL" and f["threads"] > 1
    assert f["nsenter_mnt"] == "ok"


def test_a_memory_limit_kills_with_sigkill_unless_gomemlimit_holds_the_heap():
    try:
        memlimit.cgroup_root()
    except memlimit.NoMemoryCgroup as e:
        df = memlimit.run()
        assert df["not run"].str.contains("no writable memory cgroup").all(), str(e)
        return
    df = memlimit.run(limit_mib=48, grow_to=3).set_index("case")
    off, held = df.loc["no GOMEMLIMIT"], df.loc["GOMEMLIMIT at half the limit"]
    assert off["ended"] == "killed by SIGKILL" and not off["SIGTERM handler ran"] and off["OOM kills"] >= 1
    assert held["ended"] == "exit 143" and held["SIGTERM handler ran"] and held["allocated (MiB)"] >= 3 * 48
    assert held["GCs"] > 0 and held["OOM kills"] == 0
    assert (df["writing it"] == "done").any() or (df["writing it"] == "EACCES").any()
    assert not any(p.name.startswith(f"sigcamp-mem-{os.getpid()}-") for p in memlimit.cgroup_root()[1].iterdir())


def test_systemd_attempt_says_what_pid_1_is():
    row = memlimit.systemd_attempt().iloc[0]
    assert row["pid 1"] == open("/proc/1/comm").read().strip() and row["answer"]


@pytest.fixture
def chinese():
    from sigcamp import i18n

    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def test_chapter_5_judges_speak_chinese_and_reach_the_same_verdicts(chinese):
    import re

    import claim_fixtures.ch5 as fixtures
    from sigcamp import ledger

    for claim in ledger.claims("ch5"):
        for evidence, kind in fixtures.FIXTURES[claim.id]:
            finding = claim.judge(evidence)
            assert finding.verdict.kind == kind
            for text in (str(finding.verdict), finding.measured):
                assert re.search(r"[\u4e00-\u9fff]", text), f"{claim.id}: {text!r} is not Chinese"
                assert not re.search(r"\{\w*(:[^}]*)?\}", text), f"{claim.id}: a field left unfilled in {text!r}"


def test_chapter_5_source_tables_show_chinese_around_the_code(chinese):
    from sigcamp import display

    html = display.show(systems.windows_console_events()).to_html()
    assert "处理函数返回之后" in html and "Windows 结束进程" in html and "CTRL_BREAK_EVENT" in html
    lines = systems.source_lines("runtime/mprof.go", r"^var MemProfileRate")
    html = display.show(lines).to_html()
    assert "所在函数" in html and "var MemProfileRate" in html
    assert list(lines.columns) == ["file", "line", "in_function", "text"]
