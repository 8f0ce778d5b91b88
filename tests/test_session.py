"""Running programs on a PTY: Ctrl+C, outcomes, and cleanup whatever happens."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import sigcamp
from sigcamp.errors import NotReady


def gone(pid):
    """True when pid is no longer a live process (absent, or a zombie awaiting its new parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def test_ctrl_c_is_the_ttys_intr_character():
    with sigcamp.start("notify-exit") as prog:
        prog.ctrl_c()
        outcome = prog.wait(5)
    assert (outcome.exit_code, outcome.signal) == (130, None)
    assert "got signal: interrupt" in outcome.output
    assert 0 < outcome.handler_latency_ms < 2000
    assert outcome.started_ns < outcome.ready_ns <= outcome.sent_ns < outcome.ended_ns


def test_killed_by_signal_has_no_exit_code():
    outcome = sigcamp.run("spin-no-notify", send="ctrl-c")
    assert (outcome.exit_code, outcome.signal, outcome.shell_status) == (None, "SIGINT", 130)
    assert outcome.how == "killed by SIGINT"


def test_send_uses_kill():
    outcome = sigcamp.run("notify-exit", send="SIGTERM")
    assert outcome.exit_code == 130 and "got signal: terminated" in outcome.output


def test_pause_reads_the_output_like_a_terminal():
    # 4 MB is far more than a PTY buffers: the program finishes only if someone keeps reading.
    script = "print('READY', flush=True); import sys; sys.stdout.write('x' * 4_000_000 + '\\nDONE\\n')"
    with sigcamp.start(sys.executable, args=("-c", script)) as prog:
        prog.pause(30)
        outcome = prog.wait(5)
    assert (outcome.exit_code, outcome.alive) == (0, False)
    assert outcome.output.count("x") == 4_000_000 and outcome.output.endswith("DONE\n")
    assert (outcome.ended_ns - outcome.ready_ns) / 1e9 < 25, "pause returns once the program has ended"


def test_survivor_is_killed_after_the_wait():
    with sigcamp.start("signal-ignore") as prog:
        pid = prog.pid
        prog.ctrl_c()
        outcome = prog.wait(0.5)
    assert outcome.alive and outcome.shell_status is None and outcome.how == "survived"
    assert gone(pid)


def test_exception_inside_the_block_kills_the_program():
    with pytest.raises(RuntimeError):
        with sigcamp.start("signal-ignore") as prog:
            pid = prog.pid
            raise RuntimeError("a failing cell")
    assert gone(pid)


def test_keyboard_interrupt_inside_the_block_kills_the_program():
    with pytest.raises(KeyboardInterrupt):
        with sigcamp.start("signal-ignore") as prog:
            pid = prog.pid
            os.kill(os.getpid(), signal.SIGINT)  # what a notebook's interrupt button does
    assert gone(pid)


def test_setsid_program_is_killed_too():
    """A program in its own session escapes the PTY's process group; it is still reaped."""
    with sigcamp.start("notify-exit", launch="setsid") as prog:
        pid = prog.pid
        assert os.getsid(pid) == pid
        prog.ctrl_c()
        outcome = prog.wait(0.5)
    assert outcome.alive and gone(pid)


def test_program_that_never_prints_ready(tmp_path):
    with pytest.raises(NotReady, match="did not print 'READY' within 1 s"):
        sigcamp.start("/bin/sleep", args=("30",), timeout=1)


def test_program_that_exits_before_ready():
    with pytest.raises(NotReady, match=r"exited before printing 'READY' \(exit 3\)"):
        sigcamp.start("/bin/sh", args=("-c", "echo starting; exit 3"))


def test_default_dispositions_even_when_the_caller_ignores_sigint():
    """Started from a process that inherited SIGINT ignored, the program still dies by Ctrl+C."""
    code = ("import signal, sigcamp; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "print(sigcamp.run('spin-no-notify').how)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "killed by SIGINT", out.stderr


def test_background_launch_inherits_sigint_ignored():
    with sigcamp.start("spin-no-notify", launch="background") as prog:
        ignored = sigcamp.thread_masks(prog.pid).iloc[0]["ignored"]
        prog.ctrl_c()
        outcome = prog.wait(0.5)
    assert "SIGINT" in ignored and outcome.alive
