"""Chapter 5's experiments: dumps on signals, GOTRACEBACK, graceful shutdown, sd_notify, EINTR."""

import os
import socket

from sigcamp import dumps, eintr, shutdown, supervisor, systems


def test_sigusr1_dumps_goroutines_and_sigusr2_writes_a_heap_profile():
    d = dumps.on_signals(conns=6, workers=3, cache_mib=8)
    assert d.alive_after and d.outcome.how == "exit 143"
    g = d.goroutines
    readers = g[(g["state"] == "IO wait") & g["stack"].str.contains(r"net\.\(\*conn\)\.Read", regex=True)]
    assert len(readers) == 6 and set(readers["user_frame"]) == {"main.serveConn"}
    assert ((g["state"] == "chan receive") & (g["user_frame"] == "main.worker")).sum() == 3
    assert d.heap.iloc[0]["function"].startswith("main.fillCache")
    assert 0.4 * 8 * 2**20 <= d.heap.iloc[0]["flat_bytes"] <= 2.5 * 8 * 2**20  # a sampled estimate


def test_sigquit_prints_everything_below_crash_while_panics_obey_gotraceback():
    t = dumps.traceback_levels(levels=("none", "single", "all", "crash")).set_index(["failure", "GOTRACEBACK"])
    for level in ("none", "single", "all"):
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
    assert (inst.loc[inst["watchdog timeout"], "ended"] == "exit 2").all()
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
