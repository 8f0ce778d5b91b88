"""Lab 02's experiment: the student's decode_mask and blocking_threads, run on the grader's inputs.

Standard library only: the sandbox this runs in leaves the course library out, so
that the student's code cannot use sigcamp.procfs there (the lab forbids it).
The public calls run first, in one child, with the live program for
blocking_threads; then everything that child left is killed, and the hidden
masks go to a second child, whose answers only the grader sees.
"""

import os
import time

from . import programs, pycode

SIGNALS = {"SIGUSR1": 10, "SIGUSR2": 12, "SIGINT": 2, "SIGTERM": 15}


def blocked_tids(pid, signame):
    """TIDs of `pid` whose SigBlk holds `signame`, read until three reads 50 ms apart agree."""
    bit = 1 << (SIGNALS[signame] - 1)
    reads = []
    for _ in range(40):
        rows = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    line = next(x for x in f if x.startswith("SigBlk:"))
                rows[int(tid)] = int(line.split()[1], 16)
            except (OSError, StopIteration, ValueError):
                continue
        reads = [*reads[-2:], rows]
        if len(reads) == 3 and reads[0] == reads[1] == reads[2]:
            break
        time.sleep(0.05)
    return sorted(tid for tid, mask in reads[-1].items() if mask & bit)


def run(source, *, public, hidden=None, sample=None, signame="SIGUSR1", timeout=20.0):
    """public: [[function, args]] whose answers the student may see; hidden: the same, seen by the
    grader only; sample: a prebuilt program's file name, started for blocking_threads(pid, signame).

    Returns {"public": pycode.call result, "hidden": ... or None, "truth": [TIDs] or None, "threads": n}.
    """
    out = {"public": None, "hidden": None, "truth": None, "threads": None}
    if sample:
        with programs.Program(programs.binary(sample)) as prog:
            out["truth"] = blocked_tids(prog.pid, signame)
            out["threads"] = len(os.listdir(f"/proc/{prog.pid}/task"))
            calls = [*public, ["blocking_threads", [prog.pid, signame]]]
            out["public"] = pycode.call(source, calls, timeout=timeout)
    else:
        out["public"] = pycode.call(source, public, timeout=timeout)
    programs.kill_others()
    if hidden:
        result = pycode.call(source, hidden, timeout=timeout)
        out["hidden"] = {"loaded": result["loaded"], "results": result["results"], "timed_out": result["timed_out"]}
    return out
