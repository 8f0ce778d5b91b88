"""Trusted experiments that checks run on a student's files, inside a fresh sandbox.

Each returns plain data (JSON-able). They use sigcamp exactly as the course does:
a real build, a real PTY, a real Ctrl+C.
"""

import os
import subprocess
from pathlib import Path

import sigcamp
from sigcamp import procfs, toolchain


def build_go(package, *, output="/build/student-program"):
    """`go build` a directory of the student's (relative to the job); returns {ok, output, binary}."""
    src = Path("/job") / package
    proc = subprocess.run([str(toolchain.go().path), "build", "-o", output, "."], cwd=src, capture_output=True,
                          text=True, timeout=240, env=toolchain.go_env({"GOCACHE": os.environ.get("GOCACHE", "/tmp/gocache"),
                                                                      "CGO_ENABLED": "1", "GO111MODULE": "on"}))
    return {"ok": proc.returncode == 0, "output": (proc.stdout + proc.stderr)[-4000:], "binary": output}


def ctrl_c_runs(package, *, runs=3, args=(), ready="READY", delays=(0.05, 0.3, 0.8), wait=5.0):
    """Build the student's program, then `runs` times: start it on a PTY, wait, press Ctrl+C, wait for it.

    Returns the build result and, per run: delay before Ctrl+C, how it ended, exit code,
    ms from Ctrl+C to exit, and the output's tail.
    """
    import time

    built = build_go(package)
    result = {"build": built, "runs": []}
    if not built["ok"]:
        return result
    for i in range(runs):
        delay = delays[i % len(delays)]
        with sigcamp.start(built["binary"], args=tuple(args), ready=ready, timeout=20) as prog:
            time.sleep(delay)
            prog.ctrl_c()
            outcome = prog.wait(wait)
        result["runs"].append({"delay_s": delay, "how": outcome.how, "exit_code": outcome.exit_code,
                               "signal": outcome.signal, "exit_latency_ms": outcome.exit_latency_ms,
                               "output_tail": outcome.output[-2000:]})
    return result


def thread_blocking(sample, signame):
    """Start a course sample; return its thread masks and the TIDs that block `signame`."""
    with sigcamp.start(sample) as prog:
        from sigcamp import masks
        df = masks.settled_masks(prog.pid)
        return {"pid": prog.pid, "tids": [int(t) for t in df.tid],
                "blocking": [int(r.tid) for r in df.itertuples() if signame in r.blocked],
                "output": prog.output[-2000:]}


def decode(values):
    """The course library's decoding of masks (reference answers computed inside the sandbox)."""
    return [sorted(procfs.decode_mask(v)) for v in values]


STUDENT_PRELUDE = "import glob\nimport os\nimport re\nfrom pathlib import Path\n\n"


def student_blocking_threads(source, *, sample, signame, timeout=60):
    """Start `sample`; run the student's blocking_threads(pid, signame) in a child process on it.

    Returns the student's answer (or their error) beside the truth read here from /proc.
    """
    import json
    import sys

    from sigcamp import masks

    with sigcamp.start(sample) as prog:
        truth = masks.settled_masks(prog.pid)
        truth = sorted(int(r.tid) for r in truth.itertuples() if signame in r.blocked)
        code = (STUDENT_PRELUDE + source + "\nimport json as _j\n"
                f"print('ANSWER', _j.dumps(sorted(int(t) for t in blocking_threads({prog.pid}, {signame!r}))))\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    answer = None
    for line in proc.stdout.splitlines():
        if line.startswith("ANSWER "):
            try:
                answer = json.loads(line[7:])
            except ValueError:
                pass
    return {"truth": truth, "answer": answer, "stderr": proc.stderr[-1500:]}
