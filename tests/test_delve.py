"""The delve drivers on real programs: breakpoints, goroutines, threads, detach, Ctrl+C at dlv, clean-up."""

import _thread
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

import sigcamp as sc
from sigcamp import delve

MARK = "SIGCAMP_DELVE_TEST"


def gone(pid):
    """True when pid is no longer a live process (absent, or a zombie awaiting its new parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def marked(mark):
    """PIDs and names of live processes whose environment carries this test's mark."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            if needle in Path(f"/proc/{d}/environ").read_bytes().split(b"\0") and not gone(int(d)):
                found.append((int(d), comm(d)))
        except OSError:
            pass
    return found


@pytest.fixture(autouse=True)
def nothing_left_behind(monkeypatch):
    """Every dlv, and every program started under it, carries a mark; none may outlive the test."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv(MARK, mark)
    yield
    deadline = time.monotonic() + 3
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked(mark) == []
    assert "dlv" not in [comm(p) for p in delve._children(os.getpid())]


def test_os_signal_process_is_hit_after_a_real_kill():
    with delve.launch("notify-loop") as dlv:
        bp = dlv.create_breakpoint("os/signal.process")
        dlv.send("SIGINT", after="READY")
        stop = dlv.continue_(timeout=15)
        assert (stop.function, stop.breakpoint, stop.timed_out) == ("os/signal.process", bp, False)
        assert "READY" in dlv.target_output
        stack = list(dlv.stacktrace(stop.goroutine, 5)["function"])
        assert stack[:2] == ["os/signal.process", "os/signal.loop"]
        # the interface's dynamic value is the signal that was sent
        assert dlv.eval("sig")["children"][0]["value"] == "SIGINT (2)"
        end = dlv.continue_(timeout=15)
        assert (end.exited, end.exit_status) == (True, 130)
        assert dlv.wait_output("got signal: interrupt", timeout=5)  # read from a pipe: may lag a little
        pid = dlv.pid
    assert gone(pid)


def test_goroutines_include_the_signal_receiver():
    with delve.launch("notify-loop") as dlv:
        stop = dlv.continue_(timeout=1)  # nothing to hit: halted after a second, idle
        assert stop.timed_out and not stop.exited and "READY" in dlv.target_output
        g = dlv.goroutines()
        receiver = g[g["start_function"] == "os/signal.loop"]
        assert len(receiver) == 1
        assert receiver.iloc[0]["user_function"] == "os/signal.signal_recv"
        assert receiver.iloc[0]["status"] == "syscall"  # parked in a futex wait, holding its thread
        main = g.set_index("id").loc[1]
        assert (main["user_function"], main["wait_reason"]) == ("main.main", "chan receive")
        threads = dlv.threads()
        assert set(threads["id"]) == {int(t) for t in os.listdir(f"/proc/{dlv.pid}/task")}
        assert receiver.iloc[0]["thread"] in set(threads["id"])
        pid = dlv.pid
    assert gone(pid)


def test_ctrl_c_in_the_caller_halts_a_blocking_continue():
    with delve.launch("notify-loop") as dlv:
        threading.Timer(0.5, _thread.interrupt_main).start()
        with pytest.raises(KeyboardInterrupt):
            dlv.continue_(timeout=60)
        assert not dlv.state().running
        assert (dlv.goroutines()["start_function"] == "os/signal.loop").any()  # the old reply is skipped
        pid = dlv.pid
    assert gone(pid)


def test_detach_without_kill_leaves_the_program_answering_signals():
    with sc.start("notify-loop") as prog:
        with delve.attach(prog.pid) as dlv:
            assert not dlv.state().running  # attaching stops it
            assert len(dlv.goroutines()) >= 3
            dlv.detach(kill=False)
        assert prog.alive()
        prog.send("SIGUSR1")
        prog.expect("got signal: user defined signal 1")
        prog.ctrl_c()
        outcome = prog.wait(5)
    assert (outcome.exit_code, outcome.signal) == (130, None)


def test_exec_detach_kill_false_is_refused_and_kill_true_ends_it():
    with delve.launch("notify-loop") as dlv:
        with pytest.raises(delve.DelveError, match="attach"):
            dlv.detach(kill=False)
        pid = dlv.pid
        dlv.detach(kill=True)
        assert gone(pid)


def test_ctrl_c_at_dlv_halts_and_is_not_forwarded():
    with delve.terminal("notify-loop") as dlv:
        dlv.send("continue")
        dlv.expect("READY")
        out = dlv.ctrl_c()
        assert "received SIGINT, stopping process (will not forward signal)" in out
        assert "\x1b" not in dlv.text()
        dlv.send("continue")
        dlv.kill("SIGUSR1")  # a kill from outside is forwarded silently
        dlv.expect("got signal: user defined signal 1")
        dlv.kill("SIGINT")
        out = dlv.wait_prompt()
        assert "got signal: interrupt" in out and "exited with status 130" in out
        assert "got signal: interrupt" not in dlv.transcript[0][1]  # the Ctrl+C never reached it
        assert [c for c, _ in dlv.transcript] == ["continue + Ctrl+C", "continue"]


def test_terminal_cmd_returns_the_output_and_cleans_up_on_error():
    with pytest.raises(RuntimeError):
        with delve.terminal("notify-loop") as dlv:
            out = dlv.cmd("break runtime.sighandler")
            assert out.startswith("Breakpoint 1 set at") and "signal_unix.go" in out
            assert dlv.cmd("funcs ^os/signal\\.signal_recv$").strip() == "os/signal.signal_recv"
            pid = dlv.pid
            raise RuntimeError("a failing cell")
    assert gone(pid)


def test_terminal_attach_sees_the_receiver_and_kills_on_exit():
    with sc.start("notify-loop") as prog:
        with delve.Terminal.attach(prog.pid) as dlv:
            assert dlv.pid == prog.pid
            listing = dlv.cmd("goroutines")
            assert "os/signal.signal_recv" in listing and "[chan receive]" in listing
        outcome = prog.wait(5)
    # dlv "kills" an attached program with SIGINT; notify-loop handles it and exits 130
    assert (outcome.exit_code, outcome.signal) == (130, None)
    assert "got signal: interrupt" in outcome.output


def test_detach_with_kill_sends_an_attached_program_only_sigint():
    with sc.start("notify-unread") as prog:  # Notify'd SIGINT, nobody reads: survives it
        with delve.attach(prog.pid) as dlv:
            dlv.detach(kill=True)
        outcome = prog.wait(1)
    assert outcome.alive


def test_exec_passes_program_arguments():
    with delve.launch("/bin/echo", args=("hello", "world")) as dbg:
        assert dbg.continue_(timeout=10).exited
        assert dbg.wait_output("hello world", timeout=5)
