"""delve on a live process: what it sends when it halts, detaches and kills, and Ctrl+C at two terminals."""

from sigcamp import attach


def test_attach_halt_sends_sigtrap_and_sigstop_and_detach_leaves_it_answering_ctrl_c():
    run = attach.attach_snapshot("notify-loop")
    assert run.tracer_before == 0 and run.tracer_attached > 0 and run.tracer_after == 0
    halt = run.signals_sent("halt")
    assert halt[0] == "SIGTRAP" and set(halt[1:]) == {"SIGSTOP"}
    assert len(halt) == len(run.states_halted)  # one kill for the process, one tgkill per other thread
    assert run.signals_sent("detach") == []
    assert set(run.states_halted.state) == {"t"}
    assert "os/signal.signal_recv" in set(run.goroutines.user_function)
    assert (run.after.exit_code, run.after.signal) == (130, None)
    assert run.ctrl_c_after()["the program printed"].iloc[0] == "got signal: interrupt"


def test_detach_sends_sigcont_to_a_stopped_program_and_sigint_when_it_kills():
    runs = attach.detach_runs().set_index("case")
    assert runs.loc["attached, running", "signals"] == []
    assert runs.loc["attached, running", "ended"] == "survived"
    assert runs.loc["attached, stopped", "signals"] == ["SIGCONT"]  # delve resumes what someone else stopped
    assert runs.loc["attached, stopped", "0.2 s later"].startswith("running")
    assert runs.loc["attached, kill", "dlv sent"] == "kill(pid, SIGINT)"
    assert runs.loc["attached, kill", "ended"] == "exit 130"  # notify-loop decides itself: it exits 130
    assert runs.loc["attached, kill", "the program printed"] == "got signal: interrupt"
    assert runs.loc["exec, kill", "dlv sent"] == "kill(-pid, SIGKILL)"  # a program dlv started: its whole group
    assert runs.loc["exec, kill", "ended"].startswith("killed by SIGKILL")


def test_ctrl_c_at_dlv_is_not_forwarded_but_kill_and_the_programs_own_tty_are():
    steps = attach.dlv_ctrl_c_and_kill("notify-loop")
    at_dlv, kill, own_tty = steps.to_dict("records")
    assert "will not forward signal" in at_dlv["dlv printed"] and at_dlv["the program printed"] == "(nothing)"
    assert kill["the program printed"] == "got signal: user defined signal 1"
    assert own_tty["the program printed"] == "got signal: interrupt"
    assert "exited with status 130" in own_tty["dlv printed"]
    assert steps.attrs["outcome"].exit_code == 130
