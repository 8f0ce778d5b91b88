"""gdb in batch mode on live Go programs: thread stacks, signal table, goroutines."""

import os
import time

import sigcamp as sc
from sigcamp import gdb, samples


def test_thread_backtraces_of_a_live_go_program():
    with sc.start("notify-exit") as run:
        bt = gdb.thread_backtraces(run.pid)
        tids = {int(t) for t in os.listdir(f"/proc/{run.pid}/task")}
        assert bt["lwp"].nunique() >= 3
        assert set(bt["lwp"]) <= tids
        assert run.pid in set(bt["lwp"])
        assert bt["function"].str.startswith("runtime.").sum() > 10
        assert "Thread " in bt.attrs["raw"]
        # gdb detached: the program still runs and handles Ctrl+C
        run.ctrl_c()
        assert run.wait(5).exit_code == 130


def test_info_signals_sigint_stops_prints_and_is_not_passed():
    table = gdb.info_signals(samples.build("notify-exit"), ("SIGINT", "SIGURG"))
    sigint = table.set_index("signal").loc["SIGINT"]
    assert (bool(sigint["stop"]), bool(sigint["print"]), bool(sigint["pass"])) == (True, True, False)
    sigurg = table.set_index("signal").loc["SIGURG"]
    assert bool(sigurg["pass"]) and not bool(sigurg["stop"])
    passed = gdb.info_signals(None, ("SIGINT",), handle=("SIGINT nostop noprint pass",))
    assert passed.iloc[0][["stop", "print", "pass"]].tolist() == [False, False, True]


def test_goroutines_with_the_runtime_gdb_script():
    with sc.start("notify-exit") as run:
        g = gdb.goroutines(run.pid)
        if g.set_index("goid").loc[1, "status"] != "waiting":  # main may not be parked yet
            time.sleep(0.5)
            g = gdb.goroutines(run.pid)
        main = g.set_index("goid").loc[1]
        assert (main["status"], main["function"]) == ("waiting", "runtime.gopark")  # <-sigs
        assert len(g) >= 2
        assert g["function"].str.len().gt(0).all()
        run.ctrl_c()
        assert run.wait(5).exit_code == 130
