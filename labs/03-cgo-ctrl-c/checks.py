"""Checks for lab 03-cgo-ctrl-c: Ctrl+C ends a program whose C library installs its own SIGINT handler.

The grader builds the student's cruncher/main.go with the library as released (whatever the
notebook did to its copy), presses a real Ctrl+C through a PTY at three seeded moments, and
runs `-jobs 3` to see that the program still computes the engine's checksums.
"""

import hashlib
import random
import re
from pathlib import Path

from grader.checks import check

SAMPLES = ()
CELL_TIMEOUT = 240  # a build with a cold Go cache compiles the standard library and runtime/cgo
TIMEOUT = 480

LIBRARY = ("engine.c", "engine.h")
RELEASED = Path(__file__).parent / "files" / "cruncher"
WAIT_S = 2.0   # the notebook asks for 1 s; a run still going after 2 s (harness allowance) did not stop
JOBS = 3


def _moments():
    """Seconds after READY to press Ctrl+C (seeded, so grading twice presses at the same moments)."""
    rng = random.Random("03-cgo-ctrl-c")
    return [round(rng.uniform(0.05, 1.0), 3) for _ in range(3)]


MOMENTS = _moments()
HARVEST = {}


def checksums(jobs):
    """The engine's checksums of jobs 1..jobs, computed here as engine.c computes them."""
    mask = (1 << 64) - 1
    x, table = 0x9E3779B97F4A7C15, []
    for _ in range(256):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        table.append(x)
    out = []
    for job in range(1, jobs + 1):
        h = 0xCBF29CE484222325 ^ job
        for step in range(40):
            h = ((h ^ table[(h ^ step) & 0xFF]) * 0x100000001B3) & mask
        out.append(h >> 1)
    return out


def _runs(sub):
    """The probe's result for this submission (run once, shared by the checks)."""
    cache = vars(sub)
    if "_runs" not in cache:
        library = {name: (RELEASED / name).read_text() for name in LIBRARY}
        try:
            cache["_runs"] = sub.sandbox("library_ctrl_c_runs", package="cruncher", library=library,
                                         delays=MOMENTS, wait=WAIT_S, jobs_args=["-jobs", str(JOBS)], wall=300)
        except Exception as e:  # kept, so every check reports it without running the probe again
            cache["_runs"] = e
        else:
            _note(sub, cache["_runs"])
    result = cache["_runs"]
    if isinstance(result, Exception):
        raise result
    if not result["build"]["ok"]:
        raise AssertionError("cruncher/ did not build with the released library; "
                             "the compiler's messages are in the evidence")
    return result


def _note(sub, result):
    if not result["build"]["ok"]:
        sub.note("go build cruncher/ (with the released library)", result["build"]["output"])
        return
    lines = []
    for i, r in enumerate(result["runs"], 1):
        if not r["ready"]:
            lines.append(f"run {i}: it never printed READY: {r['error']}")
            continue
        end = (f"still running {WAIT_S} s after Ctrl+C (killed)" if r["alive"]
               else f"{r['how']} after {r['exit_latency_ms']:.1f} ms")
        tail = "\n".join(r["output_tail"].splitlines()[-4:])
        lines.append(f"run {i}: Ctrl+C {r['delay_s']} s after READY: {end}; its output ended with:\n{tail}")
    jobs = result["jobs"]
    lines.append(f"\n-jobs {JOBS}, no Ctrl+C: {jobs.get('how', 'no READY')}\n{jobs['output'][-1500:]}")
    sub.note("runs with the released library", "\n".join(lines))


def _stops(result):
    runs = result["runs"]
    assert all(r["ready"] for r in runs), "the program did not print READY (see the evidence)"
    still = [r for r in runs if r["alive"]]
    assert not still, (f"{len(still)} of {len(runs)} Ctrl+C runs: the program was still running {WAIT_S} s "
                       "after Ctrl+C")


def _fixed(result):
    """The grading of the next checks only counts for a program whose Ctrl+C works."""
    try:
        _stops(result)
    except AssertionError:
        raise AssertionError("Ctrl+C does not stop the program yet: this check counts once it does") from None


@check(points=3, public=True)
def ctrl_c_stops_it(sub):
    """With the library as released, Ctrl+C stops the program promptly, whenever it comes."""
    _stops(_runs(sub))


@check(points=1)
def exit_status_130(sub):
    """After Ctrl+C the program ends with status 130 (exit 130, or killed by SIGINT)."""
    result = _runs(sub)
    _stops(result)
    bad = [r for r in result["runs"] if r["shell_status"] != 130]
    assert not bad, (f"{len(bad)} of {len(result['runs'])} Ctrl+C runs did not end with status 130 "
                     f"({', '.join(sorted({r['how'] for r in bad}))})")


@check(points=2)
def still_computes_the_jobs(sub):
    """With Ctrl+C fixed, `-jobs 3` still prints the engine's three checksums and exits 0."""
    result = _runs(sub)
    _fixed(result)
    jobs = result["jobs"]
    assert jobs["ready"], f"with -jobs {JOBS} the program did not print READY"
    got = {int(n): int(v) for n, v in re.findall(r"^job (\d+): (-?\d+)\s*$", jobs["output"], re.M)}
    want = dict(enumerate(checksums(JOBS), 1))
    wrong = sorted(n for n in want if got.get(n) != want[n])
    assert not wrong, (f"with -jobs {JOBS}, job(s) {', '.join(map(str, wrong))} did not print the engine's "
                       "checksum (`job N: <checksum>`)")
    assert jobs["exit_code"] == 0 and not jobs["alive"], f"with -jobs {JOBS} it should exit 0, but: {jobs['how']}"


@check(points=2)
def library_untouched(sub):
    """Ctrl+C was fixed without editing the library: engine.c and engine.h are as released."""
    result = _runs(sub)
    _fixed(result)
    changed = []
    for name in LIBRARY:
        try:
            mine = hashlib.sha256(sub.file(f"cruncher/{name}").read_bytes()).hexdigest()
        except AssertionError:  # missing, or not a plain file inside the submission
            mine = None
        if mine != hashlib.sha256((RELEASED / name).read_bytes()).hexdigest():
            changed.append(name)
    assert not changed, (f"the library was edited: {' and '.join(changed)} "
                         f"{'differs' if len(changed) == 1 else 'differ'} from the release")
