"""PID 1 without Docker on real runs: the kernel's rule, the runtime's last resort, inits, scripts/check-ctrl-c."""

import subprocess

import pytest

from sigcamp import container, pid1, pid1_kernel, pid1_trace, samples, toolchain


def test_pid1_without_handler_survives_and_go_uses_its_fallback_exit():
    fallback = pid1.die_from_signal_fallback()
    assert fallback["status"] == (130 if toolchain.go().version >= (1, 27) else 2)
    for send in ("ctrl-c", "SIGINT"):
        assert pid1.run_pid1(pid1.entry("c"), send)["ended"] == "survived"
        go = pid1.run_pid1(pid1.entry("go"), send)
        assert go["ended"] == f"exit {fallback['status']}" and go["PID 1 is"].endswith(" 1 inside")


def test_the_fallback_differs_between_the_course_releases():
    df = pid1.fallback_by_release()
    assert len(df) == len(toolchain.course_versions())
    for row in df.to_dict("records"):
        version = toolchain.parse_go_version(row["Go"])
        expected = "exit 130" if version >= (1, 27) else "exit 2"
        assert row["ended"] == expected, row
        assert ("exit(128 + int32(sig))" if version >= (1, 27) else "exit(2)") in row["dieFromSignal ends in"]


def test_tiny_init_forwards_and_exits_with_the_childs_status():
    row = pid1.run_pid1(pid1.entry("init"), "SIGTERM")
    assert row["ended"] == "exit 143" and "forwarded SIGTERM to 2" in row["output"]
    assert row["PID 1's SIGINT, SIGTERM"] == "sigtimedwait, sigtimedwait"
    assert "tiny-init: pid 1, started article-sleep-loop as pid 2" in row["output"]  # paths shortened


def test_a_shell_in_front_never_passes_a_signal_sent_to_pid1():
    row = pid1.run_pid1(pid1.entry("sh-runs"), "SIGINT")
    assert row["ended"] == "survived" and "got signal" not in row["output"]


def test_pid1_table_subsets_and_matrix():
    table = pid1.pid1_table(keys=("c", "notify"), sends=("SIGTERM",))
    assert list(table["entry"]) == ["c", "notify"]
    assert pid1.outcome(table, "notify", "SIGTERM") == "exit 130"
    grid = pid1.pid1_matrix(table)
    assert list(grid.columns) == ["entry point (PID 1)", "PID 1's SIGINT, SIGTERM", pid1.SENT_TEXT["SIGTERM"]]
    with pytest.raises(ValueError, match="unknown entry points"):
        pid1.entries(("nope",))


def test_an_init_ignores_every_signal_from_inside_and_all_but_kill_and_stop_from_outside():
    rules = pid1_kernel.init_signal_rules()
    inside = rules[rules["sent from"].str.startswith("inside")]
    outside = rules[rules["sent from"].str.startswith("outside")].set_index("signal")["PID 1 then"]
    assert set(inside["signal"]) == {"SIGINT", "SIGTERM", "SIGSTOP", "SIGKILL"}, rules
    assert inside["PID 1 then"].str.startswith("running").all() and (inside["kill returned"] == "0").all()
    assert outside["SIGINT"].startswith("running") and outside["SIGTERM"].startswith("running")
    assert outside["SIGSTOP"] == "stopped" and outside["SIGCONT"].startswith("running")
    assert outside["SIGKILL"] == "gone"


def test_as_pid1_the_first_reraise_runs_gos_handler_and_the_later_ones_are_dropped():
    traces = {"pid1": pid1_trace.reraise_trace(pid1=True), "plain": pid1_trace.reraise_trace(pid1=False)}
    summary = pid1_trace.reraise_summary(traces).set_index("run")
    status = pid1.die_from_signal_fallback()["status"]
    assert summary.loc["pid1"].to_dict() == {"SIGINT deliveries": 4, "ran Go's handler": 2,
                                             "dropped by the kernel": 2, "raises (tgkill)": 3,
                                             "ended": f"exit {status}"}
    assert summary.loc["plain"].to_dict() == {"SIGINT deliveries": 3, "ran Go's handler": 2,
                                              "dropped by the kernel": 0, "raises (tgkill)": 2,
                                              "ended": "killed by SIGINT"}
    events = list(traces["pid1"]["event"])
    assert events.index("rt_sigaction(SIGINT, SIG_DFL)") > events.index("SIGINT #2 arrives (a raise: si_code SI_TKILL)")
    assert f"exit_group({status})" in events


def test_the_forwarding_chain_shows_who_passed_the_signal_on():
    chains = pid1_trace.forwarding_chains(("sh-runs", "init"))
    shell, init = chains.values()
    assert shell.attrs["ended"] == "survived" and shell["got"].iloc[1] == "nothing"
    assert shell["got"].iloc[0] == "SIGINT (kill(2) from outside its namespace)"
    assert init.attrs["ended"] == "exit 130"
    assert init["did"].iloc[0].startswith("kill(pid 2, SIGINT)")
    assert "SIGINT (kill(2) from outside its namespace, taken with sigtimedwait)" in init["got"].iloc[0]
    assert "SIGINT (kill(2) from pid 1)" in init["got"].iloc[1] and "killed by SIGINT" in init["did"].iloc[1]
    svg = pid1_trace.chain_diagram(chains).value.pipe(format="svg").decode()
    assert "passes nothing on" in svg and "forwards SIGINT" in svg and "exit 130" in svg


def test_ctrl_c_reaches_every_process_of_the_namespace_from_the_terminal():
    chain = pid1_trace.forwarding_chain("sh-runs", "ctrl-c")
    assert chain.attrs["ended"] == "exit 130" and list(chain["pid inside"]) == [1, 2]
    assert all("SIGINT (from the terminal)" in got for got in chain["got"])  # PID 1 and its child alike


def test_shell_form_keeps_the_shell_as_pid1():
    tree = container.pid1_tree("/bin/sh", "-c", "sleep 1")
    assert list(tree["pid inside"]) == [1, 2] and tree["command"][1] == "sleep 1"
    assert list(container.pid1_tree("/bin/sh", "-c", "exec sleep 1")["command"]) == ["sleep 1"]


def test_check_script_reports_the_status_and_cleans_up():
    fallback = pid1.die_from_signal_fallback()["status"]
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
