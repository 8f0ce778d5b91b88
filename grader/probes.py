"""Trusted experiments that checks run on a student's files, inside a fresh sandbox.

Each returns plain data (JSON-able). They use sigcamp exactly as the course does:
a real build, a real PTY, a real Ctrl+C.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sigcamp
from sigcamp import procfs, toolchain
from sigcamp.errors import NotReady


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
    built = build_go(package)
    result = {"build": built, "runs": []}
    if not built["ok"]:
        return result
    for i in range(runs):
        delay = delays[i % len(delays)]
        with sigcamp.start(built["binary"], args=tuple(args), ready=ready, timeout=20) as prog:
            prog.pause(delay)
            prog.ctrl_c()
            outcome = prog.wait(wait)
        result["runs"].append({"delay_s": delay, "how": outcome.how, "exit_code": outcome.exit_code,
                               "signal": outcome.signal, "exit_latency_ms": outcome.exit_latency_ms,
                               "output_tail": outcome.output[-2000:]})
    return result


def thread_blocking(sample, signame):
    """Start a course sample; return its thread masks and the TIDs that block `signame`."""
    with sigcamp.start(sample) as prog:
        rows = procfs.settled_thread_rows(prog.pid)
        return {"pid": prog.pid, "tids": [r["tid"] for r in rows],
                "blocking": [r["tid"] for r in rows if signame in r["blocked"]],
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

    with sigcamp.start(sample) as prog:
        truth = sorted(r["tid"] for r in procfs.settled_thread_rows(prog.pid) if signame in r["blocked"])
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


# --- shared by the probes below ---------------------------------------------------------


def _job_dir():
    """The submission's files: /job in the sandbox (the probe's working directory)."""
    return Path.cwd()


def _build_dir():
    return Path(os.environ.get("SIGCAMP_BUILD") or tempfile.gettempdir())


def _go_build(src, output):
    """`go build -o output .` in src (cgo on); returns {ok, output (the compiler's words), binary}.

    The cache is toolchain.go_env's, $SIGCAMP_BUILD/gocache: the probe's own build dir, seeded
    warm by the grader, never one the student's notebook could have written.
    """
    try:
        proc = subprocess.run([str(toolchain.go().path), "build", "-o", str(output), "."], cwd=src,
                              capture_output=True, text=True, timeout=240,
                              env=toolchain.go_env({"CGO_ENABLED": "1", "GO111MODULE": "on"}))
    except subprocess.TimeoutExpired:
        return {"ok": False, "output": "go build took more than 240 s", "binary": str(output)}
    return {"ok": proc.returncode == 0, "output": (proc.stdout + proc.stderr)[-4000:], "binary": str(output)}


def _press_ctrl_c(binary, *, delay, wait, args=()):
    """Start `binary` on a PTY, press Ctrl+C `delay` s after its READY, wait up to `wait` s.

    Returns how it ended (how, exit_code, signal, shell_status, exit_latency_ms), or
    ready=False with the reason when it never printed READY; `output` is its whole output.
    """
    try:
        with sigcamp.start(str(binary), args=tuple(args), ready="READY", timeout=20) as prog:
            prog.pause(delay)
            prog.ctrl_c()
            outcome = prog.wait(wait)
    except NotReady as e:
        return {"ready": False, "delay_s": delay, "error": str(e)[-1500:], "output": e.output or ""}
    return {"ready": True, "delay_s": delay, "how": outcome.how, "exit_code": outcome.exit_code,
            "signal": outcome.signal, "shell_status": outcome.shell_status, "alive": outcome.alive,
            "exit_latency_ms": outcome.exit_latency_ms, "output": outcome.output}


def _run_to_end(binary, *, args=(), wait=15.0):
    """Start `binary` on a PTY with no signal at all; how it ended and what it printed."""
    try:
        with sigcamp.start(str(binary), args=tuple(args), ready="READY", timeout=20) as prog:
            outcome = prog.wait(wait)
    except NotReady as e:
        return {"ready": False, "error": str(e)[-1500:], "output": e.output or ""}
    return {"ready": True, "how": outcome.how, "exit_code": outcome.exit_code, "signal": outcome.signal,
            "alive": outcome.alive, "output": outcome.output[-8000:]}


# --- lab 01: a clean shutdown on Ctrl+C ------------------------------------------------------------


def shutdown_runs(package, *, delays, wait=3.5, out_flag="-out"):
    """Build the student's worker, then for each delay: start it writing to a fresh file, press
    Ctrl+C `delay` s after READY, and compare the records it ACKed with the file's records.

    Per run: how it ended, latency, and acked / stored / missing counts (missing: ACKed
    but not in the file) with the first few missing record numbers.
    """
    src = _job_dir() / package
    if not (src / "main.go").is_file():
        return {"build": {"ok": False, "output": f"there is no {package}/main.go", "binary": None}, "runs": []}
    built = _go_build(src, _build_dir() / f"student-{package}")
    result = {"build": built, "runs": []}
    if not built["ok"]:
        return result
    files = Path(tempfile.mkdtemp(prefix="records-"))
    for i, delay in enumerate(delays):
        path = files / f"records-{i}.txt"
        run = _press_ctrl_c(built["binary"], delay=delay, wait=wait, args=(out_flag, str(path)))
        output = run.pop("output", "") or ""
        acked = [int(n) for n in re.findall(r"^ACK (\d+)\s*$", output, re.M)]
        text = path.read_text(errors="replace") if path.is_file() else None
        stored = {int(n) for n in re.findall(r"^record (\d+)\s*$", text or "", re.M)}
        missing = [n for n in acked if n not in stored]
        run.update(acked=len(acked), stored=len(stored), missing=len(missing), first_missing=missing[:5],
                   file=text is not None, output_tail=output[-600:])
        result["runs"].append(run)
    return result


# --- lab 03: Ctrl+C in a program whose C library takes SIGINT --------------------------------------


def library_ctrl_c_runs(package, *, library, delays, wait=2.0, jobs_args=("-jobs", "3"), jobs_wait=15.0):
    """Build the student's `package` with the C library files as released (`library`: name ->
    text, written over whatever the student left), press Ctrl+C once per delay, then run it
    with `jobs_args` and no signal. Returns the build, the Ctrl+C runs and the jobs run."""
    src = _job_dir() / package
    if not (src / "main.go").is_file():
        return {"build": {"ok": False, "output": f"there is no {package}/main.go", "binary": None},
                "runs": [], "jobs": None}
    copy = Path(tempfile.mkdtemp(prefix="student-src-")) / package
    shutil.copytree(src, copy, symlinks=True, ignore=shutil.ignore_patterns(package))
    for name, text in library.items():
        (copy / name).write_text(text)
    built = _go_build(copy, _build_dir() / f"student-{package}")
    result = {"build": built, "runs": [], "jobs": None}
    if not built["ok"]:
        return result
    for delay in delays:
        run = _press_ctrl_c(built["binary"], delay=delay, wait=wait)
        run["output_tail"] = (run.pop("output", "") or "")[-600:]
        result["runs"].append(run)
    result["jobs"] = _run_to_end(built["binary"], args=jobs_args, wait=jobs_wait)
    return result


# --- lab 04: the goroutine stuck in a cgo call --------------------------------------------------------


DELVE_PRELUDE = "import pandas as pd\nimport sigcamp\nimport sigcamp as sc\nfrom sigcamp import delve\n\n"


def cgo_goroutine_truth(pid):
    """Attach delve to `pid` and find the goroutine whose stack passes runtime.cgocall: its id,
    the C function called (from the cgo wrapper main._Cfunc_NAME), the Go function that called
    that wrapper, and the whole stack. Detaches, leaving the program running. None if none."""
    from sigcamp import delve

    with delve.attach(pid) as dbg:
        for gid in dbg.goroutines()["id"]:
            frames = [f for f in dbg.stacktrace(int(gid), depth=64)["function"] if isinstance(f, str)]
            if "runtime.cgocall" not in frames:
                continue
            i = frames.index("runtime.cgocall")
            wrapper, caller = frames[i + 1], frames[i + 2]
            return {"goroutine": int(gid), "c_function": wrapper.split("_Cfunc_", 1)[1],
                    "go_function": caller, "frames": frames}
    return None


def student_find_cgo_goroutine(source, *, sample, timeout=90):
    """Start `sample`, take the truth with delve, then run the student's find_cgo_goroutine(pid)
    in a child process on the same running program. Returns truth, answer (or None), the
    student's errors, and whether the program still ran afterwards."""
    import json
    import sys

    with sigcamp.start(sample) as prog:
        truth = cgo_goroutine_truth(prog.pid)
        code = (STUDENT_PRELUDE + DELVE_PRELUDE + source + "\n\nimport json as _j\n"
                f"print('ANSWER', _j.dumps(find_cgo_goroutine({prog.pid}), "
                "default=lambda o: o.item() if hasattr(o, 'item') else str(o)))\n")
        try:
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                                  start_new_session=True)
            stdout, stderr = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            stdout, stderr = e.stdout or "", f"find_cgo_goroutine did not return within {timeout} s"
            stdout = stdout.decode(errors="replace") if isinstance(stdout, bytes) else stdout
        time.sleep(0.3)  # a program left stopped or killed shows it by now
        alive = prog.alive() and _running(prog.pid)
    answer = None
    for line in stdout.splitlines():
        if line.startswith("ANSWER "):
            try:
                answer = json.loads(line[7:])
            except ValueError:
                pass
    return {"truth": truth, "answer": answer, "stderr": stderr[-1500:], "alive_after": alive}


def _running(pid):
    """True unless `pid` is stopped (state T or t: left in a ptrace or job-control stop) or gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("T", "t", "Z", "X")


# --- lab 05: signal latency under GC ---------------------------------------------------------------


def latency_reference(*, cases=("go-idle", "go-gc-churn"), n=100):
    """The course's own measurement (sigcamp.latency) of `cases`, n signals each: per case the
    number of signals, median and 90th percentile latency (µs), and how many a GC pause overlapped."""
    import numpy as np

    from sigcamp import latency

    df = latency.measure(list(cases), n=n, progress=False)
    out = {}
    for case, rows in df.groupby("case", observed=True):
        out[str(case)] = {"signals": int(len(rows)), "median_us": float(rows["latency_us"].median()),
                          "p90_us": float(rows["latency_us"].quantile(0.9)),
                          "pause_overlap": int(sum(v is True or v is np.True_ for v in rows["overlapped_gc_pause"]))}
    return out
