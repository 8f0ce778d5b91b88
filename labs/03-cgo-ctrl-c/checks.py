"""Checks for lab 03-cgo-ctrl-c: Ctrl+C ends a program whose C library installs its own SIGINT handler.

The grader builds the student's cruncher/main.go with the library as released (whatever the
notebook did to its copy), presses a real Ctrl+C through a PTY at three seeded moments, and
runs `-jobs 3` to see that the program still computes the engine's checksums. Times are the
grader's, from the keystroke to the end of the program's output; a run slower than the lab's
"within a second" is tried again at the same moment, up to TRIALS times, and the fastest counts.
"""

import hashlib
import random
import re
from pathlib import Path

from grader.checks import check, phrases
from sigcamp import i18n
from sigcamp.i18n import N_

SAMPLES = ()
CELL_TIMEOUT = 240  # a build with a cold Go cache compiles the standard library and runtime/cgo
TIMEOUT = 480

LIBRARY = ("engine.c", "engine.h")
RELEASED = Path(__file__).parent / "files" / "cruncher"
LIMIT_MS = 1000  # the lab's "within a second"
TRIALS = 3       # runs at most per moment, for the time limit
WAIT_S = 2.0     # a run still going this long after Ctrl+C counts as not stopped (and is not tried again)
JOBS = 3


def _moments():
    """Seconds after READY to press Ctrl+C (seeded, so grading twice presses at the same moments)."""
    rng = random.Random("03-cgo-ctrl-c")
    return [round(rng.uniform(0.05, 1.0), 3) for _ in range(3)]


MOMENTS = _moments()

MESSAGES = {
    "no_build": N_("cruncher/ did not build with the released library; the compiler's messages are in the "
                   "evidence"),
    "no_ready": N_("the program did not print READY (see the evidence)"),
    "still_running": N_("after Ctrl+C the program was still running {wait} s later, in some of the grader's runs"),
    "slow": N_("the program did not always end within a second of Ctrl+C, even at its fastest of {trials} tries "
               "(each run is in the evidence)"),
    "not_fixed": N_("Ctrl+C does not stop the program within a second yet: this check counts once it does"),
    "status": N_("after Ctrl+C the program did not always end with status 130 (each run is in the evidence)"),
    "jobs_ready": N_("with -jobs {jobs} the program did not print READY"),
    "checksums": N_("with -jobs {jobs}, job(s) {wrong} did not print the engine's checksum (`job N: <checksum>`)"),
    "jobs_exit": N_("with -jobs {jobs} it should exit 0, but: {how}"),
    "edited_one": N_("the library was edited: {file} differs from the release"),
    "edited_both": N_("the library was edited: {first} and {second} differ from the release"),
    "evidence_build": N_("go build cruncher/ (with the released library)"),
    "evidence_runs": N_("runs with the released library"),
    # the lines of the evidence, one per run
    "run_head": N_("moment {moment}, try {trial}: Ctrl+C {delay} s after READY"),
    "run_no_ready": N_("{head}: it never printed READY: {error}"),
    "run_alive": N_("still running {wait} s after Ctrl+C (killed)"),
    "run_ended": N_("{how} after {ms:.1f} ms"),
    "run_output": N_("{head}: {end}; its output ended with:\n{tail}"),
    "jobs_run": N_("-jobs {jobs}, no Ctrl+C: {how}"),
    "jobs_no_ready": N_("no READY"),
}
say = phrases(MESSAGES)


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
    def run():
        library = {name: (RELEASED / name).read_text() for name in LIBRARY}
        result = sub.sandbox("ctrl_c.library_ctrl_c_runs", package="cruncher", library=library, delays=MOMENTS,
                             wait=WAIT_S, limit_ms=LIMIT_MS, trials=TRIALS, jobs_args=["-jobs", str(JOBS)],
                             wall=300)
        _note(sub, result)
        return result
    result = sub.once("runs", run)
    if not result["build"]["ok"]:
        raise AssertionError(say("no_build"))
    return result


def _note(sub, result):
    if not result["build"]["ok"]:
        sub.note(say("evidence_build"), result["build"]["output"])
        return
    lines = []
    for i, trials in enumerate(result["moments"], 1):
        for r in trials:
            head = say("run_head", moment=i, trial=r["trial"], delay=r["delay_s"])
            if not r["ready"]:
                lines.append(say("run_no_ready", head=head, error=r["error"]))
                continue
            end = (say("run_alive", wait=WAIT_S) if r["alive"]
                   else say("run_ended", how=i18n.value(r["how"]), ms=r["exit_latency_ms"]))
            lines.append(say("run_output", head=head, end=end, tail="\n".join(r["output_tail"].splitlines()[-4:])))
    jobs = result["jobs"]
    how = i18n.value(jobs["how"]) if jobs.get("how") else say("jobs_no_ready")
    lines.append("\n" + say("jobs_run", jobs=JOBS, how=how) + "\n" + jobs["output"][-1500:])
    sub.note(say("evidence_runs"), "\n".join(lines))


def _stops(result):
    """The check of the lab's first rule: every moment ended, and at its fastest within the limit."""
    runs = [r for trials in result["moments"] for r in trials]
    assert all(r["ready"] for r in runs), say("no_ready")
    assert not any(r["alive"] for r in runs), say("still_running", wait=WAIT_S)
    fastest = [min(r["exit_latency_ms"] for r in trials) for trials in result["moments"]]
    assert all(ms <= LIMIT_MS for ms in fastest), say("slow", trials=TRIALS)
    return runs


def _fixed(result):
    """The grading of the next checks only counts for a program whose Ctrl+C works."""
    try:
        return _stops(result)
    except AssertionError:
        raise AssertionError(say("not_fixed")) from None


@check(points=3, public=True)
def ctrl_c_stops_it(sub):
    """With the library as released, Ctrl+C stops the program within a second, whenever it comes."""
    _stops(_runs(sub))


@check(points=1)
def exit_status_130(sub):
    """After Ctrl+C the program ends with status 130 (exit 130, or killed by SIGINT)."""
    runs = _fixed(_runs(sub))
    assert all(r["shell_status"] == 130 for r in runs), say("status")


@check(points=2)
def still_computes_the_jobs(sub):
    """With Ctrl+C fixed, `-jobs 3` still prints the engine's three checksums and exits 0."""
    result = _runs(sub)
    _fixed(result)
    jobs = result["jobs"]
    assert jobs["ready"], say("jobs_ready", jobs=JOBS)
    got = {int(n): int(v) for n, v in re.findall(r"^job (\d+): (-?\d+)\s*$", jobs["output"], re.M)}
    want = dict(enumerate(checksums(JOBS), 1))
    wrong = sorted(n for n in want if got.get(n) != want[n])
    assert not wrong, say("checksums", jobs=JOBS, wrong=", ".join(map(str, wrong)))
    assert jobs["exit_code"] == 0 and not jobs["alive"], say("jobs_exit", jobs=JOBS, how=i18n.value(jobs["how"]))


@check(points=2)
def library_untouched(sub):
    """Ctrl+C was fixed without editing the library: engine.c and engine.h are as released."""
    _fixed(_runs(sub))
    changed = []
    for name in LIBRARY:
        try:
            mine = hashlib.sha256(sub.file(f"cruncher/{name}").read_bytes()).hexdigest()
        except AssertionError:  # missing, or not a plain file inside the submission
            mine = None
        if mine != hashlib.sha256((RELEASED / name).read_bytes()).hexdigest():
            changed.append(name)
    assert len(changed) < 2, say("edited_both", first=changed[0], second=changed[-1])
    assert not changed, say("edited_one", file=changed[0] if changed else "")
