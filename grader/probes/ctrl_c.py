"""Labs 01 and 03: build the student's Go program, press a real Ctrl+C at chosen moments, time the end.

Every time is the grader's: from the moment the INTR character is written to the
program's terminal to the end of its output (its exit), read here. A run slower
than the lab's limit is tried again at the same moment (up to `trials` times), since
a loaded machine can only add delay; a run that is still going after `wait`
seconds is not: no noise keeps a working program alive that long.
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import sigcamp
from sigcamp import toolchain
from sigcamp.errors import NotReady


def _job_dir():
    """The submission's files: /job in the sandbox (the probe's working directory, read-only)."""
    return Path.cwd()


def _build_dir():
    return toolchain.BUILD


def go_build(src, output):
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


def press_ctrl_c(binary, *, delay, wait, args=()):
    """Start `binary` on a PTY, press Ctrl+C `delay` s after its READY, wait up to `wait` s.

    Returns how it ended (how, exit_code, signal, shell_status, exit_latency_ms, alive), or
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


def run_to_end(binary, *, args=(), wait=15.0):
    """Start `binary` on a PTY with no signal at all; how it ended and what it printed."""
    try:
        with sigcamp.start(str(binary), args=tuple(args), ready="READY", timeout=20) as prog:
            outcome = prog.wait(wait)
    except NotReady as e:
        return {"ready": False, "error": str(e)[-1500:], "output": e.output or ""}
    return {"ready": True, "how": outcome.how, "exit_code": outcome.exit_code, "signal": outcome.signal,
            "alive": outcome.alive, "output": outcome.output[-8000:]}


def _trials(press, delay, *, limit_ms, trials):
    """press(delay) once, and again (up to `trials` in all) while a run ended but slower than limit_ms."""
    runs = [press(delay)]
    while len(runs) < trials:
        last = runs[-1]
        if not last["ready"] or last["alive"] or last["exit_latency_ms"] <= limit_ms:
            break
        runs.append(press(delay))
    for i, r in enumerate(runs, 1):
        r["trial"] = i
    return runs


def shutdown_runs(package, *, delays, wait=3.5, limit_ms=500, trials=3, out_flag="-out"):
    """Lab 01: build the student's worker, then for each delay: start it writing to a fresh file,
    press Ctrl+C `delay` s after READY, and compare the records it ACKed with the file's records.

    Returns {"build", "moments": [[trial, ...] per delay]}; each trial: how it ended, latency, and
    acked / stored / missing counts (missing: ACKed but not in the file) with the first few missing.
    """
    src = _job_dir() / package
    if not (src / "main.go").is_file():
        return {"build": {"ok": False, "output": f"there is no {package}/main.go", "binary": None}, "moments": []}
    built = go_build(src, _build_dir() / f"student-{package}")
    result = {"build": built, "moments": []}
    if not built["ok"]:
        return result
    files = Path(tempfile.mkdtemp(prefix="records-"))
    try:
        return _shutdown_moments(built, result, files, delays=delays, wait=wait, limit_ms=limit_ms, trials=trials,
                                 out_flag=out_flag)
    finally:
        shutil.rmtree(files, ignore_errors=True)


def _shutdown_moments(built, result, files, *, delays, wait, limit_ms, trials, out_flag):
    count = [0]

    def press(delay):
        count[0] += 1
        path = files / f"records-{count[0]}.txt"
        run = press_ctrl_c(built["binary"], delay=delay, wait=wait, args=(out_flag, str(path)))
        output = run.pop("output", "") or ""
        acked = [int(n) for n in re.findall(r"^ACK (\d+)\s*$", output, re.M)]
        text = path.read_text(errors="replace") if path.is_file() else None
        stored = {int(n) for n in re.findall(r"^record (\d+)\s*$", text or "", re.M)}
        missing = [n for n in acked if n not in stored]
        run.update(acked=len(acked), stored=len(stored), missing=len(missing), first_missing=missing[:5],
                   file=text is not None, output_tail=output[-600:])
        return run

    result["moments"] = [_trials(press, d, limit_ms=limit_ms, trials=trials) for d in delays]
    return result


def library_ctrl_c_runs(package, *, library, delays, wait=2.0, limit_ms=1000, trials=3, jobs_args=("-jobs", "3"),
                        jobs_wait=15.0):
    """Lab 03: build the student's `package` with the C library files as released (`library`: name ->
    text, written over whatever the student left), press Ctrl+C at each delay (with trials, as
    above), then run it with `jobs_args` and no signal. Returns the build, the moments and the jobs run."""
    src = _job_dir() / package
    if not (src / "main.go").is_file():
        return {"build": {"ok": False, "output": f"there is no {package}/main.go", "binary": None},
                "moments": [], "jobs": None}
    scratch = Path(tempfile.mkdtemp(prefix="student-src-"))
    try:
        return _library_moments(src, scratch / package, package, library=library, delays=delays, wait=wait,
                                limit_ms=limit_ms, trials=trials, jobs_args=jobs_args, jobs_wait=jobs_wait)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _library_moments(src, copy, package, *, library, delays, wait, limit_ms, trials, jobs_args, jobs_wait):
    shutil.copytree(src, copy, symlinks=True, ignore=shutil.ignore_patterns(package))
    for name, text in library.items():
        (copy / name).write_text(text)
    built = go_build(copy, _build_dir() / f"student-{package}")
    result = {"build": built, "moments": [], "jobs": None}
    if not built["ok"]:
        return result

    def press(delay):
        run = press_ctrl_c(built["binary"], delay=delay, wait=wait)
        run["output_tail"] = (run.pop("output", "") or "")[-600:]
        return run

    result["moments"] = [_trials(press, d, limit_ms=limit_ms, trials=trials) for d in delays]
    result["jobs"] = run_to_end(built["binary"], args=jobs_args, wait=jobs_wait)
    return result
