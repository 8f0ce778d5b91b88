"""Checks for lab 01-ctrl-c-shutdown: the worker stops on Ctrl+C at once, with status 130, losing nothing.

The grader builds the student's worker/ and presses a real Ctrl+C through a PTY at four
seeded moments: two inside the first burst of records, two while the upstream is quiet.
Times are the grader's, from the keystroke to the end of the worker's output. A run that
ends later than the lab's limit is tried again at the same moment, up to TRIALS times in
all (a loaded machine can only add delay), and the fastest counts; every trial counts
for the exit status and for the records.
"""

import random

from grader.checks import check, phrases
from sigcamp import i18n
from sigcamp.i18n import N_

SAMPLES = ()
CELL_TIMEOUT = 240  # a build with a cold Go cache compiles the standard library
TIMEOUT = 480

LIMIT_MS = 500      # the lab's "within 500 ms"
TRIALS = 3          # runs at most per moment, for the time limit
WAIT_S = 3.5        # how long a run may take to end after Ctrl+C before it counts as still running


def _moments():
    """Seconds after READY to press Ctrl+C: two in the first burst (0-0.2 s), two in the quiet 3 s."""
    rng = random.Random("01-ctrl-c-shutdown")
    burst = [round(rng.uniform(0.05, 0.15), 3) for _ in range(2)]
    quiet = [round(rng.uniform(0.6, 1.4), 3) for _ in range(2)]
    return [burst[0], quiet[0], burst[1], quiet[1]]


MOMENTS = _moments()

MESSAGES = {
    "no_build": N_("worker/ did not build; the compiler's messages are in the evidence"),
    "no_ready": N_("the worker did not print READY (see the evidence)"),
    "still_running": N_("after Ctrl+C the worker was still running {wait} s later, in some of the grader's runs"),
    "status": N_("after Ctrl+C the worker did not always end with status 130 (each run is in the evidence)"),
    "slow": N_("the worker did not always end within {limit} ms of Ctrl+C, even at its fastest of {trials} tries "
               "(each run is in the evidence)"),
    "no_file": N_("the worker left no output file (-out FILE)"),
    "no_ack": N_("in some run the worker acknowledged no record at all"),
    "lost": N_("records the worker had ACKed were missing from its output file after Ctrl+C (see the evidence)"),
    "evidence_build": N_("go build worker/"),
    "evidence_runs": N_("Ctrl+C runs"),
    # the lines of the evidence, one per run
    "run_head": N_("moment {moment}, try {trial}: Ctrl+C {delay} s after READY"),
    "run_no_ready": N_("{head}: it never printed READY: {error}"),
    "run_alive": N_("still running {wait} s after Ctrl+C (killed)"),
    "run_ended": N_("{how} after {ms:.1f} ms"),
    "run_records": N_("{head}: {end}; {acked} ACKed, {stored} in the file, {missing} ACKed but missing {first}"),
    "run_output": N_("    its output ended with:\n{tail}"),
}
say = phrases(MESSAGES)


def _runs(sub):
    """The grader's runs, per moment, of the student's worker (one probe per submission, shared)."""
    def run():
        result = sub.sandbox("ctrl_c.shutdown_runs", package="worker", delays=MOMENTS, wait=WAIT_S,
                             limit_ms=LIMIT_MS, trials=1 if sub.public_only else TRIALS, wall=300)
        _note(sub, result)
        return result
    result = sub.once("runs", run)
    if not result["build"]["ok"]:
        raise AssertionError(say("no_build"))
    return result["moments"]


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
            lines.append(say("run_records", head=head, end=end, acked=r["acked"], stored=r["stored"],
                             missing=r["missing"], first=r["first_missing"] or ""))
            lines.append(say("run_output", tail="\n".join(r.get("output_tail", "").splitlines()[-6:])))
    sub.note(say("evidence_runs"), "\n".join(lines))


def _stopped_everywhere(moments):
    runs = [r for trials in moments for r in trials]
    assert all(r["ready"] for r in runs), say("no_ready")
    assert not any(r["alive"] for r in runs), say("still_running", wait=WAIT_S)
    return runs


@check(points=2, public=True)
def exits_with_status_130(sub):
    """After Ctrl+C the worker ends with status 130, every time."""
    runs = _stopped_everywhere(_runs(sub))
    assert all(r["shell_status"] == 130 for r in runs), say("status")


@check(points=2)
def exits_within_500_ms(sub):
    """The worker ends within 500 ms of Ctrl+C, also while the upstream is quiet."""
    moments = _runs(sub)
    _stopped_everywhere(moments)
    fastest = [min(r["exit_latency_ms"] for r in trials) for trials in moments]
    assert all(ms <= LIMIT_MS for ms in fastest), say("slow", limit=LIMIT_MS, trials=TRIALS)


@check(points=3)
def loses_no_acknowledged_record(sub):
    """Every record the worker acknowledged is in its output file when it has stopped."""
    runs = _stopped_everywhere(_runs(sub))
    assert all(r["file"] for r in runs), say("no_file")
    assert all(r["acked"] for r in runs), say("no_ack")
    assert not any(r["missing"] for r in runs), say("lost")
