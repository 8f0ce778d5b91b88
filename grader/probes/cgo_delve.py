"""Lab 04's experiment: the student's find_cgo_goroutine(pid) on a fresh run of the grader's program.

The grader takes the truth first, with its own delve session on the same running
process (when asked: the public check needs only the answer's shape), then calls
the student's function in a fresh Python, watching /proc for a tracer while it
runs: the lab asks for a function that finds the goroutine with delve.
"""

import threading
import time
from pathlib import Path

import sigcamp

from . import pycode

PRELUDE = pycode.PRELUDE + "import pandas as pd\nimport sigcamp\nimport sigcamp as sc\nfrom sigcamp import delve\n"


def cgo_goroutine_truth(pid):
    """Attach delve to `pid` and find the goroutine whose stack passes runtime.cgocall: its id,
    the C function called (from the cgo wrapper main._Cfunc_NAME), the Go function that called
    that wrapper. Detaches, leaving the program running. None if none."""
    from sigcamp import delve

    with delve.attach(pid) as dbg:
        for gid in dbg.goroutines()["id"]:
            frames = [f for f in dbg.stacktrace(int(gid), depth=64)["function"] if isinstance(f, str)]
            if "runtime.cgocall" not in frames:
                continue
            i = frames.index("runtime.cgocall")
            return {"goroutine": int(gid), "c_function": frames[i + 1].split("_Cfunc_", 1)[1],
                    "go_function": frames[i + 2]}
    return None


def _tracer(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _running(pid):
    """True unless `pid` is stopped (state T or t: left in a ptrace or job-control stop) or gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("T", "t", "Z", "X")


def find_goroutine(source, *, sample, truth=True, timeout=90.0):
    """Start `sample`; take the truth with delve (if `truth`); call find_cgo_goroutine(pid) in a fresh
    Python on the same process. Returns {"truth", "call" (pycode.call's result), "traced" (a tracer
    was seen while the student's function ran), "alive_after"}."""
    with sigcamp.start(sample) as prog:
        found = cgo_goroutine_truth(prog.pid) if truth else None
        traced, stop = [False], threading.Event()

        def watch():
            while not stop.is_set():
                if _tracer(prog.pid):
                    traced[0] = True
                stop.wait(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            result = pycode.call(source, [["find_cgo_goroutine", [prog.pid]]], prelude=PRELUDE, timeout=timeout)
        finally:
            stop.set()
            watcher.join()
        time.sleep(0.3)  # a program left stopped or killed shows it by now
        alive = prog.alive() and _running(prog.pid)
    return {"truth": found, "call": result, "traced": traced[0], "alive_after": alive}
