"""Checks for lab 01-ctrl-c-shutdown: the worker stops on Ctrl+C at once, with status 130, losing nothing.

The grader builds the student's worker/ and presses a real Ctrl+C through a PTY at four
seeded moments: two inside the first burst of records, two while the upstream is quiet.
"""

import random

from grader.checks import check

SAMPLES = ()
CELL_TIMEOUT = 240  # a build with a cold Go cache compiles the standard library
TIMEOUT = 480

LIMIT_MS = 500      # what the student must meet
ALLOWANCE_MS = 500  # the harness's own delays on a loaded machine (PTY, scheduling)
WAIT_S = 3.5        # how long a run may take to end after Ctrl+C before it counts as still running


def _moments():
    """Seconds after READY to press Ctrl+C: two in the first burst (0-0.2 s), two in the quiet 3 s."""
    rng = random.Random("01-ctrl-c-shutdown")
    burst = [round(rng.uniform(0.05, 0.15), 3) for _ in range(2)]
    quiet = [round(rng.uniform(0.6, 1.4), 3) for _ in range(2)]
    return [burst[0], quiet[0], burst[1], quiet[1]]


MOMENTS = _moments()
HARVEST = {}


def _runs(sub):
    """The Ctrl+C runs of the student's worker (one probe per submission, shared by the checks)."""
    cache = vars(sub)
    if "_shutdown" not in cache:
        try:
            cache["_shutdown"] = sub.sandbox("shutdown_runs", package="worker", delays=MOMENTS, wait=WAIT_S, wall=300)
        except Exception as e:  # kept, so every check reports it without running the probe again
            cache["_shutdown"] = e
        else:
            _note(sub, cache["_shutdown"])
    result = cache["_shutdown"]
    if isinstance(result, Exception):
        raise result
    if not result["build"]["ok"]:
        raise AssertionError("worker/ did not build; the compiler's messages are in the evidence")
    return result["runs"]


def _note(sub, result):
    if not result["build"]["ok"]:
        sub.note("go build worker/", result["build"]["output"])
        return
    lines = []
    for i, r in enumerate(result["runs"], 1):
        if not r["ready"]:
            lines.append(f"run {i}: it never printed READY: {r['error']}")
            continue
        end = (f"still running {WAIT_S} s after Ctrl+C (killed)" if r["alive"]
               else f"{r['how']} after {r['exit_latency_ms']:.1f} ms")
        lines.append(f"run {i}: Ctrl+C {r['delay_s']} s after READY: {end}; {r['acked']} ACKed, "
                     f"{r['stored']} in the file, {r['missing']} ACKed but missing {r['first_missing'] or ''}")
        tail = "\n".join(r.get("output_tail", "").splitlines()[-6:])
        lines.append(f"    its output ended with:\n{tail}")
    sub.note("Ctrl+C runs", "\n".join(lines))


def _stopped_everywhere(runs):
    assert all(r["ready"] for r in runs), "the worker did not print READY (see the evidence)"
    still = [r for r in runs if r["alive"]]
    assert not still, f"{len(still)} of {len(runs)} Ctrl+C runs: the worker was still running {WAIT_S} s after Ctrl+C"


@check(points=2, public=True)
def exits_with_status_130(sub):
    """After Ctrl+C the worker ends with status 130, every time."""
    runs = _runs(sub)
    _stopped_everywhere(runs)
    bad = [r for r in runs if r["shell_status"] != 130]
    assert not bad, (f"{len(bad)} of {len(runs)} Ctrl+C runs did not end with status 130 "
                     f"({', '.join(sorted({r['how'] for r in bad}))})")


@check(points=2)
def exits_within_500_ms(sub):
    """The worker ends within 500 ms of Ctrl+C, also while the upstream is quiet."""
    runs = _runs(sub)
    _stopped_everywhere(runs)
    slow = [r for r in runs if r["exit_latency_ms"] > LIMIT_MS + ALLOWANCE_MS]
    moments = ", ".join(f"{r['delay_s']} s" for r in slow)
    assert not slow, (f"{len(slow)} of {len(runs)} Ctrl+C runs did not end within {LIMIT_MS} ms "
                      f"(Ctrl+C at {moments} after READY)")


@check(points=3)
def loses_no_acknowledged_record(sub):
    """Every record the worker acknowledged is in its output file when it has stopped."""
    runs = _runs(sub)
    _stopped_everywhere(runs)
    assert all(r["file"] for r in runs), "the worker left no output file (-out FILE)"
    assert all(r["acked"] for r in runs), "in some run the worker acknowledged no record at all"
    lost = [r for r in runs if r["missing"]]
    assert not lost, (f"{len(lost)} of {len(runs)} Ctrl+C runs lost records: records the worker had ACKed "
                      "were missing from its output file")
