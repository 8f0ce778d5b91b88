"""Grading throughput: seconds per submission, serial and parallel, with and without the sandbox.

    .venv/bin/python benchmarks/grade_throughput.py [--copies 20] [--labs 02 01:6]

Grades N copies of each lab's instructor notebook (its solution; lab 01 too when
it exists) with --jobs 1 and 2, sandbox on and off, and executes the same
notebooks bare with nbclient (one warm process, a fresh kernel each, serially).
The configurations take turns (--rounds) so that the machine's changing load
weighs on all alike. Prints seconds per submission, the speed-up of 2 jobs, the
sandbox's cost per submission, and the grader's overhead over the bare execution,
with the time the checks' own experiments (grader.probes, each in a fresh
sandbox) take shown apart.
"""

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

from grader import commands, grade, labs  # noqa: E402

CONFIGS = [(1, False), (1, True), (2, False), (2, True)]


class Timer:
    """Adds up the seconds spent in a function, across threads."""

    def __init__(self, owner, name):
        self.owner, self.name, self.total, self.lock = owner, name, 0.0, threading.Lock()
        self.original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.monotonic()
            try:
                return self.original(*args, **kwargs)
            finally:
                with self.lock:
                    self.total += time.monotonic() - t0
        setattr(owner, name, timed)

    def take(self):
        with self.lock:
            value, self.total = self.total, 0.0
        return value


def bare(lab, copies, tmp):
    """Seconds to execute the copies with nbclient alone (no harvest, no checks, no sandbox)."""
    import nbformat
    from nbclient import NotebookClient
    settings = lab.settings()
    t0 = time.monotonic()
    for path in copies:
        work = tmp / f"bare-{path.stem}"
        work.mkdir()
        if lab.files.is_dir():
            shutil.copytree(lab.files, work, dirs_exist_ok=True)
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(nb, kernel_name="sigcamp", timeout=settings["cell_timeout"], allow_errors=True,
                       shutdown_kernel="immediate", resources={"metadata": {"path": str(work)}}).execute()
    return time.monotonic() - t0


def measure(lab, n, tmp, *, rounds):
    """Per config: (s/submission, notebook-run s, checks' experiments s, checks passed, misses), and bare s.

    The configurations take turns, `rounds` times over a share of the copies each, so
    that a change in the machine's load weighs on all of them alike.
    """
    subs = tmp / "subs"
    subs.mkdir()
    copies = []
    for i in range(n):
        copies.append(subs / f"student{i:02d}.ipynb")
        shutil.copyfile(lab.source, copies[-1])
    execute, probes = Timer(grade, "execute"), Timer(grade.Probes, "__call__")
    totals = {c: [0.0, 0.0, 0.0, 0, []] for c in CONFIGS}
    bare_s = 0.0
    try:
        for r in range(rounds):
            share = copies[r::rounds]
            for jobs, sandbox in CONFIGS:
                out = tmp / f"out-{jobs}-{sandbox}-{r}"
                t0 = time.monotonic()
                if commands.grade_all(lab.name, share, jobs=jobs, out=out, sandbox=sandbox, progress=False) != 0:
                    sys.exit(f"grading {lab.name} failed (jobs={jobs}, sandbox={sandbox})")
                t = totals[jobs, sandbox]
                t[0] += time.monotonic() - t0
                t[1] += execute.take()
                t[2] += probes.take()
                for res in json.loads((out / "results.json").read_text()):
                    t[3] += sum(c["status"] == "pass" for c in res["checks"])
                    t[4] += [f"{res['student']} {c['check']}: {c['status']}: {c['message'][:300]}"
                             for c in res["checks"] if c["status"] != "pass"]
            bare_s += bare(lab, share, tmp)
    finally:
        grade.execute, grade.Probes.__call__ = execute.original, probes.original
    return {c: (t[0] / n, t[1] / n, t[2] / n, t[3], t[4]) for c, t in totals.items()}, bare_s / n


def report(lab, n, rows, bare_s):
    checks = len(lab.checks())
    print(f"\n{lab.name}: {n} copies of the solution ({checks} checks each)")
    print(f"  {'jobs':>4} {'sandbox':>7} {'s/submission':>12} {'run s':>6} {'checks s':>8} {'passed':>7}")
    for (jobs, sandbox), (s, run, probe, full, misses) in rows.items():
        print(f"  {jobs:4} {'on' if sandbox else 'off':>7} {s:12.2f} {run:6.2f} {probe:8.2f} {full:>4}/{n * checks}")
        for miss in misses:
            print(f"       not passed: {miss}")
    print(f"  bare nbclient (warm process, serial): {bare_s:.2f} s/notebook")
    for sandbox in (False, True):
        print(f"  speed-up of 2 jobs, sandbox {'on' if sandbox else 'off'}: "
              f"{rows[1, sandbox][0] / rows[2, sandbox][0]:.2f}x")
    cost = rows[1, True][0] - rows[1, False][0]
    print(f"  sandbox cost: {cost:+.2f} s/submission (target < 0.2)")
    over = rows[1, True][0] - bare_s
    probe = rows[1, True][2]
    print(f"  grader overhead over bare nbclient: {over:+.2f} s/submission, of which the checks' experiments "
          f"{probe:.2f} s; without them {over - probe:+.2f} s (target <= 1)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=20, help="copies per lab (a lab may say NAME:COPIES)")
    p.add_argument("--labs", nargs="*", default=["02", "01"])
    p.add_argument("--rounds", type=int, default=2, help="turns the configurations take (each on n/rounds copies)")
    a = p.parse_args(argv)
    for spec in a.labs:
        name, _, copies = spec.partition(":")
        try:
            lab = labs.find(name)
        except labs.LabError:
            print(f"\n{name}: no such lab, skipped")
            continue
        n = int(copies or a.copies)
        with tempfile.TemporaryDirectory(prefix="sigcamp-bench-") as d:
            rows, bare_s = measure(lab, n, Path(d), rounds=a.rounds)
        report(lab, n, rows, bare_s)


if __name__ == "__main__":
    main()
