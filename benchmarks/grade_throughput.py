"""Grading throughput: seconds per submission, serial and parallel, with and without the sandbox.

    .venv/bin/python benchmarks/grade_throughput.py [--copies 12] [--labs 02 05:6] [--rounds 2]

Grades N copies of each lab's instructor notebook (its solution) with --jobs 1 and 2,
sandbox on and off, and executes the same notebooks bare with nbclient (one warm
process, a fresh kernel each, serially: no sandbox, no code collection, no checks).
The configurations take turns (--rounds) so that the machine's changing load weighs
on all alike. Prints seconds per submission (a batch's wall time over its size), the
speed-up of 2 jobs, the sandbox's cost, and the grader's overhead over the bare
execution: the median of each submission's own grading time (1 job, sandbox on)
against the median bare notebook, so that a burst of load on a shared machine moves
neither much. The overhead is split into the time the live checks' experiments
themselves take (each in a fresh sandbox, by the probe's own clock: programs started,
the student's code run on them) and everything else (the target: at most 0.3 s).
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

from grader import commands, labs  # noqa: E402

CONFIGS = [(1, True), (2, True), (1, False), (2, False)]
TARGET_S = 0.3


def bare(lab, copies, tmp):
    """Seconds each copy takes to execute with nbclient alone (no sandbox, no code collection, no checks)."""
    import nbformat
    from nbclient import NotebookClient
    settings = lab.settings()
    times = []
    for path in copies:
        work = tmp / f"bare-{path.stem}-{time.monotonic_ns()}"
        work.mkdir()
        if lab.files.is_dir():
            shutil.copytree(lab.files, work, dirs_exist_ok=True)
        t0 = time.monotonic()
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(nb, kernel_name="sigcamp", timeout=settings["cell_timeout"], allow_errors=True,
                       shutdown_kernel="immediate", resources={"metadata": {"path": str(work)}}).execute()
        times.append(time.monotonic() - t0)
    return times


def measure(lab, n, tmp, *, rounds):
    """Per config: batch seconds per submission, each submission's own seconds, probe and program
    seconds, checks passed and the misses; and the bare seconds of each notebook."""
    subs = tmp / "subs"
    subs.mkdir()
    copies = []
    for i in range(n):
        copies.append(subs / f"student{i:02d}.ipynb")
        shutil.copyfile(lab.source, copies[-1])
    totals = {c: {"wall": 0.0, "each": [], "probes": [], "programs": [], "passed": 0, "misses": []}
              for c in CONFIGS}
    bare_s = []
    for r in range(rounds):
        share = copies[r::rounds]
        for jobs, sandbox in CONFIGS:
            out = tmp / f"out-{jobs}-{sandbox}-{r}"
            t0 = time.monotonic()
            if commands.grade_all(lab.name, share, jobs=jobs, out=out, sandbox=sandbox, progress=False) != 0:
                sys.exit(f"grading {lab.name} failed (jobs={jobs}, sandbox={sandbox})")
            t = totals[jobs, sandbox]
            t["wall"] += time.monotonic() - t0
            for line in (out / "journal.jsonl").read_text().splitlines():
                g = json.loads(line)
                t["each"].append(g["seconds"])
                t["probes"].append(g.get("probe_seconds", 0.0))
                t["programs"].append(g.get("program_seconds", 0.0))
                t["passed"] += sum(c["status"] == "pass" for c in g["rows"])
                t["misses"] += [f"{g['student']} {c['check']}: {c['status']}: {c['message'][:300]}"
                                for c in g["rows"] if c["status"] != "pass"]
        bare_s += bare(lab, share, tmp)
    return totals, bare_s


def report(lab, n, rows, bare_s):
    med = statistics.median
    checks = len(lab.checks())
    print(f"\n{lab.name}: {n} copies of the solution ({checks} checks each)")
    print(f"  {'jobs':>4} {'sandbox':>7} {'s/submission':>12} {'median each':>11} {'probes':>7} {'programs':>8} "
          f"{'passed':>8}")
    for (jobs, sandbox), t in rows.items():
        print(f"  {jobs:4} {'on' if sandbox else 'off':>7} {t['wall'] / n:12.2f} {med(t['each']):11.2f} "
              f"{med(t['probes']):7.2f} {med(t['programs']):8.2f} {t['passed']:>4}/{n * checks}")
        for miss in t["misses"]:
            print(f"       not passed: {miss}")
    print(f"  bare nbclient (warm process, serial): median {med(bare_s):.2f} s/notebook")
    for sandbox in (True, False):
        print(f"  speed-up of 2 jobs, sandbox {'on' if sandbox else 'off'}: "
              f"{rows[1, sandbox]['wall'] / rows[2, sandbox]['wall']:.2f}x")
    print(f"  sandbox cost (medians, 1 job): {med(rows[1, True]['each']) - med(rows[1, False]['each']):+.2f} s")
    serial = rows[1, True]
    over = med(serial["each"]) - med(bare_s)
    programs = med(serial["programs"])
    rest = over - programs
    print(f"  grader overhead over bare nbclient (medians, 1 job, sandbox on): {over:+.2f} s/submission")
    print(f"    the live checks' own program time (by the probes' clocks): {programs:.2f} s")
    print(f"    everything else (notebook sandbox, runner, code collection, probe sandboxes' start, checks): "
          f"{rest:+.2f} s (target <= {TARGET_S}: {'met' if rest <= TARGET_S else 'not met'})")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=12, help="copies per lab (a lab may say NAME:COPIES)")
    p.add_argument("--labs", nargs="*", default=["02", "05:6"])
    p.add_argument("--rounds", type=int, default=4, help="turns the configurations take (each on n/rounds copies)")
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
