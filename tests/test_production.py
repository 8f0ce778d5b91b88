"""Chapter 4 on real programs: delve on a live process, where a signal runs, a C signal owner, PID 1."""

import subprocess

import pytest

from sigcamp import container, production, samples, toolchain


def test_attach_halt_sends_sigtrap_and_sigstop_and_detach_leaves_it_answering_ctrl_c():
    run = production.attach_snapshot("notify-loop")
    assert run.tracer_before == 0 and run.tracer_attached > 0 and run.tracer_after == 0
    halt = run.signals_sent("halt")
    assert halt[0] == "SIGTRAP" and set(halt[1:]) == {"SIGSTOP"}
    assert len(halt) == len(run.states_halted)  # one kill for the process, one tgkill per other thread
    assert run.signals_sent("detach") == []
    assert set(run.states_halted.state) == {"t"}
    assert "os/signal.signal_recv" in set(run.goroutines.user_function)
    assert (run.after.exit_code, run.after.signal) == (130, None)
    assert "got signal: interrupt" in run.after.output


def test_ctrl_c_at_dlv_is_not_forwarded_but_kill_and_the_programs_own_tty_are():
    steps = production.dlv_ctrl_c_and_kill("notify-loop")
    at_dlv, kill, own_tty = steps.to_dict("records")
    assert "will not forward signal" in at_dlv["dlv printed"] and at_dlv["the program printed"] == "(nothing)"
    assert kill["the program printed"] == "got signal: user defined signal 1"
    assert own_tty["the program printed"] == "got signal: interrupt"
    assert "exited with status 130" in own_tty["dlv printed"]
    assert steps.attrs["outcome"].exit_code == 130


def test_lockosthread_does_not_route_kill_but_tgkill_and_pthread_kill_do():
    df = production.routing_run("goroutine", per=2)
    assert len(df) == 6 and df["handler ran on"].notna().all()
    kill, aimed = df[df["sent with"] == "kill"], df[df["sent with"] != "kill"]
    assert (kill["locked thread"] != kill["main thread"]).all()
    assert (kill["handler ran on"] != kill["locked thread"]).all()
    assert (aimed["handler ran on"] == aimed["locked thread"]).all()
    # a locked thread runs only its goroutine: os/signal.loop runs elsewhere, the reader on its own thread
    assert (df["os/signal.loop ran on"] != df["locked thread"]).all()
    assert (df["receiver ran on"] == df["locked thread"]).all()


def test_locking_the_main_goroutine_puts_the_locked_thread_where_kill_lands():
    df = production.routing_run("main", methods=("kill",), per=2)
    assert (df["locked thread"] == df["main thread"]).all()
    assert (df["handler ran on"] == df["main thread"]).all()


@pytest.mark.parametrize("mode, notify, check", [
    ("thread", "", lambda r: r["C owner got"] == 0 and r["nobody saw"] == r["sent"]),
    ("constructor", "", lambda r: r["C owner got"] == r["sent"]),
    ("constructor", "notify", lambda r: r["C owner got"] + r["Go Notify got"] == r["sent"]),
])
def test_sigwait_owner_gets_the_signal_only_when_every_other_thread_blocks_it(mode, notify, check):
    row = production.owner_run(mode, notify, n=6)
    assert check(row), row
    assert row["owner sleeps in"] == "rt_sigtimedwait, timeout NULL"
    assert row["owner's SigBlk has it"] is False  # unblocked by the kernel while it waits
    assert row["zero-timeout poll"] == "EAGAIN" and row["still pending"] is False


def test_the_articles_poll_burns_cpu_and_still_needs_the_mask():
    waiting = production.owner_run("constructor", "", "sigwaitinfo", n=6)
    polling = production.owner_run("constructor", "", "poll", n=6)
    for _ in range(3):  # which thread the kernel picks is scheduling: on a loaded machine the owner may catch all
        unmasked = production.owner_run("thread", "", "poll", n=12)
        if unmasked["C owner got"] < unmasked["sent"]:
            break
    assert polling["C owner got"] == polling["sent"] and polling["owner's SigBlk has it"] is True
    assert polling["owner CPU %"] > waiting["owner CPU %"]
    assert unmasked["C owner got"] < unmasked["sent"] and unmasked["Go Notify got"] == 0
    assert unmasked["C owner got"] + unmasked["nobody saw"] == unmasked["sent"]


def _entry(key):
    return next(e for e in container.entries() if e.key == key)


def test_pid1_without_handler_survives_and_go_uses_its_fallback_exit():
    fallback = container.die_from_signal_fallback()
    assert fallback["status"] == (130 if toolchain.go().version >= (1, 27) else 2)
    for send in ("ctrl-c", "SIGINT"):
        assert container.run_pid1(_entry("c"), send)["ended"].startswith("still running")
        go = container.run_pid1(_entry("go"), send)
        assert go["ended"] == f"exit {fallback['status']}" and go["PID 1 is"].endswith(" 1 inside")


def test_tiny_init_forwards_and_exits_with_the_childs_status():
    row = container.run_pid1(_entry("init"), "SIGTERM")
    assert row["ended"] == "exit 143" and "forwarded SIGTERM to 2" in row["output"]
    assert row["PID 1's SIGINT, SIGTERM"] == "sigtimedwait, sigtimedwait"


def test_a_shell_in_front_never_passes_a_signal_sent_to_pid1():
    row = container.run_pid1(_entry("sh-runs"), "SIGINT")
    assert row["ended"].startswith("still running") and "got signal" not in row["output"]


def test_shell_form_keeps_the_shell_as_pid1():
    tree = container.pid1_tree("/bin/sh", "-c", "sleep 1")
    assert list(tree["pid inside"]) == [1, 2] and tree["command"][1] == "sleep 1"
    assert list(container.pid1_tree("/bin/sh", "-c", "exec sleep 1")["command"]) == ["sleep 1"]


def test_check_script_reports_the_status_and_cleans_up():
    fallback = container.die_from_signal_fallback()["status"]
    code, out = container.check_script("article-sleep-loop", pid1=True)
    assert code == (0 if fallback == 130 else 1) and f"exit status {fallback} (expected 130)" in out
    code, out = container.check_script("tiny-init", samples.build("article-sleep-loop"), pid1=True)
    assert code == 0 and "exit status 130 (expected 130): ok" in out
    code, out = container.check_script("signal-ignore", pid1=False, timeout=1)
    assert code == 1 and "still running 1 s after Ctrl+C" in out
    code, out = container.check_script("/bin/sleep", "5", ready="never printed", timeout=1)
    assert code == 1 and "no 'never printed' within 1 s" in out


def test_check_script_usage_errors():
    proc = subprocess.run([str(container.SCRIPT), "--bogus"], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2 and "unknown option --bogus" in proc.stderr
    proc = subprocess.run([str(container.SCRIPT)], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2 and "give the program to run" in proc.stderr
