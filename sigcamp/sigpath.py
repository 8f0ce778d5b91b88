"""Chapter 2: the path of one signal through the Go runtime, stop by stop, under delve.

`stops()` runs a program under headless delve with breakpoints along a path,
sends it a signal and records each stop: the function, the goroutine (none on
a signal stack), the thread and the stack. `trace_sigint()` is that path for a
SIGINT a Notify loop receives; `first_sighandler_hits()` shows why the first
stops in `runtime.sighandler` are SIGURG; `goroutine_snapshot()` lists the
goroutines, the os/signal receiver among them.
"""

import re
import time
from dataclasses import dataclass

import pandas as pd

from . import delve_rpc, gosource, samples
from .errors import DelveError
from .procfs import name as signal_name
from .session import signal_number

COLUMNS = ["order", "function", "at", "goroutine", "thread", "main thread", "interrupted", "values", "stack"]


@dataclass(frozen=True)
class Break:
    """A breakpoint on a path: `label` names the stop; `function` or (`file`, `line`) places it; `cond` filters."""

    label: str
    function: str | None = None
    file: str | None = None
    line: int | None = None
    cond: str | None = None
    show: tuple = ()  # Go expressions delve evaluates at the stop, e.g. ("info.si_code",)


def interrupted(stack):
    """The function a signal landed in: the frame below runtime.sigtrampgo in a handler's stack, else None."""
    frames = list(stack)
    for i, fn in enumerate(frames[:-1]):
        if fn == "runtime.sigtrampgo":
            return frames[i + 1]
    return None


def stops(program, breaks, *, send=None, after="READY", depth=10, timeout=10, env=None, limit=None):
    """Run `program` under delve with `breaks`; once it prints `after`, send `send` with kill(2).

    Continues until every breakpoint was hit once in turn (or `limit` stops), the
    program exits, or no stop comes within `timeout` s. One row per stop (COLUMNS):
    order, function (the Break's label), at (file:line), goroutine (<NA> on a
    signal stack or g0), thread (TID), main thread (TID == PID), interrupted
    (for a handler: the function the signal landed in), values ({expression:
    value} for the Break's `show`), stack (innermost first, a list). attrs: "pid", "output" (what the program printed), "exited".
    """
    rows = []
    with delve_rpc.launch(program, env=env, timeout=timeout + 20) as dlv:
        by_id = {}
        for b in breaks:
            by_id[dlv.create_breakpoint(b.function, cond=b.cond, file=b.file, line=b.line)] = b
        if send:
            dlv.send(send, after=after, timeout=timeout)
        exited = False
        for order in range(1, (limit or len(breaks)) + 1):
            stop = dlv.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.breakpoint not in by_id:
                exited = stop.exited
                break
            b = by_id[stop.breakpoint]
            stack = [f if isinstance(f, str) else "???" for f in dlv.stacktrace(-1, depth=depth)["function"]]
            values = {expr: dlv.eval(expr) for expr in b.show}
            rows.append({"order": order, "function": b.label, "values": values,
                         "at": f"{(stop.file or '').rsplit('/', 1)[-1]}:{stop.line}", "goroutine": stop.goroutine,
                         "thread": stop.thread, "main thread": stop.thread == dlv.pid,
                         "interrupted": interrupted(stack), "stack": stack})
        pid, output = dlv.pid, dlv.target_output
    df = pd.DataFrame(rows, columns=COLUMNS).astype({"goroutine": "Int64"})
    df.attrs.update(pid=pid, output=output, exited=exited, program=str(program))
    return df


def first_sighandler_hits(program="notify-spin", *, n=3, cond=None, send=None, after="READY", timeout=10):
    """Break on runtime.sighandler and report the first `n` hits: which signal each was for.

    Without `cond` the first hits are SIGURG, the preemption signal sysmon
    (retake -> preemptone -> preemptM) sends to a goroutine that has run for
    10 ms: notify-spin's spinning main.main gets one every ~20 ms under dlv. With
    cond="sig == 2" and send="SIGINT" (kill(2) once the program prints `after`)
    the first stop is the SIGINT: delve evaluates the condition at every SIGURG
    and continues by itself. One row per hit: hit, signal, name, goroutine
    (<NA> when the signal interrupted a thread with no goroutine, e.g. an idle M
    in futex), thread, interrupted (the function the signal landed in).
    """
    rows = []
    with delve_rpc.launch(program, timeout=timeout + 20) as dlv:
        dlv.create_breakpoint("runtime.sighandler", cond=cond)
        if send:
            dlv.send(send, after=after, timeout=timeout)
        for hit in range(1, n + 1):
            stop = dlv.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.function != "runtime.sighandler":
                break
            sig = dlv.eval("sig")
            frames = list(dlv.stacktrace(-1, depth=4)["function"])
            rows.append({"hit": hit, "signal": sig, "name": signal_name(sig), "goroutine": stop.goroutine,
                         "thread": stop.thread, "interrupted": interrupted(frames)})
    df = pd.DataFrame(rows, columns=["hit", "signal", "name", "goroutine", "thread", "interrupted"])
    return df.astype({"goroutine": "Int64"})


def runtime_line(file, function, text):
    """(path, line) of the first line of `function` in GOROOT/src/runtime/`file` whose code is `text`."""
    found = gosource.line_in("runtime", file, function, text)
    if found is None:
        raise DelveError(f"no line `{text}` in runtime.{function} ({file}) of this Go release: the runtime "
                         "changed, so the path's breakpoints need updating")
    return found


def sigint_path_breaks(program="notify-loop", signame="SIGINT"):
    """The breakpoints along one Notify'd signal's path, in the order the runtime's source passes them."""
    num = signal_number(signame)
    wake = runtime_line("sigqueue.go", "sigsend", "notewakeup(&sig.note)")
    woken = runtime_line("sigqueue.go", "signal_recv", "noteclear(&sig.note)")
    handed = runtime_line("sigqueue.go", "signal_recv", "return i")
    main = samples.find(program).main
    received = next(i for i, line in enumerate(main.read_text().splitlines(), 1) if '"got signal:"' in line)
    return [
        Break("runtime.sigtramp", "runtime.sigtramp", cond=f"RDI == {num}"),  # C ABI: the signal is in RDI
        Break("runtime.sighandler", "runtime.sighandler", cond=f"sig == {num}"),
        Break("runtime.sigsend", "runtime.sigsend", cond=f"s == {num}"),
        Break("runtime.sigsend: notewakeup(&sig.note)", file=wake[0], line=wake[1]),
        Break("os/signal.signal_recv: wakes from notetsleepg", file=woken[0], line=woken[1]),
        Break("os/signal.signal_recv: return i", file=handed[0], line=handed[1]),
        Break("os/signal.process", "os/signal.process"),
        Break("main.main: receives from its channel", file=str(main), line=received),
    ]


def trace_sigint(program="notify-loop", *, signame="SIGINT", timeout=10):
    """Follow one signal, sent with kill(2) once the program prints READY, through the runtime.

    Stops, in the order the signal passes them: runtime.sigtramp (the handler the
    kernel calls, assembly: the condition reads the signal from RDI),
    runtime.sighandler (on the signal stack of whichever thread the kernel picked), runtime.sigsend (sets the
    signal's bit), its notewakeup of the receiver's note, the receiver waking in
    signal_recv (implemented in runtime/sigqueue.go, named os/signal.signal_recv
    by its linkname, on the os/signal.loop goroutine) and returning the signal,
    os/signal.process (a non-blocking send to each Notify channel), and main
    receiving it. The first three break only for this signal (SIGURG passes them
    too). A DataFrame as stops() returns.
    """
    return stops(program, sigint_path_breaks(program, signame), send=signame, timeout=timeout)


def goroutine_snapshot(program="notify-loop", *, settle=0.5, timeout=30):
    """Run `program` under headless delve until it has printed READY (and `settle` s more),
    halt it, and return its goroutines (a DataFrame, as delve_rpc.Client.goroutines)."""
    with delve_rpc.launch(program, timeout=timeout) as dbg:
        deadline = time.monotonic() + timeout
        while "READY" not in dbg.target_output:
            if time.monotonic() > deadline:
                raise DelveError(f"{program} did not print READY under delve within {timeout} s")
            stop = dbg.continue_(timeout=settle)
            if stop.exited:
                raise DelveError(f"{program} exited under delve before printing READY")
        return dbg.goroutines()


def receiver(goroutines):
    """The row of the goroutine that waits for signals in os/signal.signal_recv (None if there is none)."""
    rows = goroutines[goroutines["user_function"] == "os/signal.signal_recv"]
    return None if rows.empty else rows.iloc[0]


# --- the article's delve session, typed at dlv ---------------------------------------

_STOP = re.compile(r"^> (?:\[([^\]]+)\] )?(\S+?)\(\) (\S+):(\d+)(?: \((?:hits [^)]*?total:(\d+))?\))?", re.M)
_EXITED = re.compile(r"Process \d+ has exited with status (\d+)")


def where_stopped(output):
    """(function, file:line, hits) of the stop dlv printed, or (None, None, None)."""
    m = None
    for m in _STOP.finditer(output):
        pass  # the last stop printed is where the program is
    if not m:
        return None, None, None
    return m.group(2), f"{m.group(3).rsplit('/', 1)[-1]}:{m.group(4)}", int(m.group(5)) if m.group(5) else None


def _short(line):
    """A dlv line without directories in file paths and without the (PC: ...) note."""
    return re.sub(r" \(PC: 0x[0-9a-f]+\)", "", re.sub(r"(?<![\w.])/?(?:[\w.@+-]+/)+([\w.]+:\d+)", r"\1", line))


def said(typed, out):
    """The line of dlv's answer that matters: the stop, a message, a value's type, or the frames of a stack."""
    lines = [l.strip().removeprefix("^C") for l in out.strip().splitlines() if l.strip()]
    if typed == "stack":
        return " ← ".join(l.split(" in ", 1)[1] for l in lines if re.match(r"^\d+\s+0x[0-9a-f]+ in ", l))
    keep = [l for l in lines if l.startswith(("> ", "received ", "Process ", "Breakpoint ", "Command failed", "got "))]
    if keep:
        return "\n".join(_short(l) for l in keep)
    first = lines[0] if lines else ""
    if first.startswith("struct {") and " } {" in first:  # a value's type is enough to say what it is
        return first[: first.index(" } {") + 2]
    return first


def article_session(program="notify-spin", *, schedule_stops=3, timeout=15):
    """The article's `break runtime.sigtramp`, `break runtime.schedule`, `continue`, typed at dlv.

    Then what a student tries next: clear the schedule breakpoint and continue
    (sigtramp stops for SIGURG, the preemption signal a spinning goroutine gets);
    give the sigtramp breakpoint a condition on RDI (sigtramp is assembly entered
    with the C calling convention: the signal number is in RDI, and `sig` names
    the runtime's global signal queue); continue and type Ctrl+C at dlv (delve
    halts the program and does not forward it); continue and send SIGINT with
    kill(2) from outside; look at the stop; continue to the program's exit. At
    every stop in sigtramp, `print RDI` says which signal it was. One row per
    command: step, typed, stopped in, at, hits, READY printed (yet), exit status,
    dlv said. attrs: "transcript" (the whole session as the screen showed it).
    """
    from . import delve

    rows = []
    seen = []

    def record(typed, out):
        seen.append(out)
        fn, at, hits = where_stopped(out)
        exited = _EXITED.search(out)
        rows.append({"step": len(rows) + 1, "typed": typed, "stopped in": fn or "", "at": at or "", "hits": hits,
                     "READY printed": "READY" in "".join(seen),
                     "exit status": int(exited.group(1)) if exited else None, "dlv said": said(typed, out)})
        if fn == "runtime.sigtramp":  # which signal: sigtramp has no Go arguments, the number is in RDI
            record("print RDI", dlv.cmd("print RDI"))

    with delve.terminal(program, timeout=timeout) as dlv:
        for typed in ("break runtime.sigtramp", "break runtime.schedule"):
            record(typed, dlv.cmd(typed))
        stopped = 0
        for _ in range(schedule_stops + 10):  # SIGURG may stop sigtramp in between: count schedule's stops
            if stopped == schedule_stops:
                break
            out = dlv.cmd("continue")
            record("continue", out)
            stopped += where_stopped(out)[0] == "runtime.schedule"
        record("clear 2", dlv.cmd("clear 2"))
        record("continue", dlv.cmd("continue"))
        record("condition 1 RDI == 2", dlv.cmd("condition 1 RDI == 2"))
        dlv.send("continue")
        if "READY" not in "".join(seen):
            dlv.expect("READY")
        time.sleep(0.2)
        record("continue, then Ctrl+C at dlv", dlv.ctrl_c())
        dlv.send("continue")
        time.sleep(0.2)
        dlv.kill("SIGINT")
        record("continue; kill -INT PID from another shell", dlv.wait_prompt())
        for typed in ("print sig", "stack", "continue"):
            record(typed, dlv.cmd(typed))
        transcript = dlv.text()
    df = pd.DataFrame(rows).astype({"hits": "Int64", "exit status": "Int64"})
    df.attrs["transcript"] = transcript
    return df


def table(stops):
    """stops() as a reader wants it: the thread marked when it is the main one, the stack as one line of
    frames (innermost first), the values as text; the interrupted function is in the stack, after sigtrampgo."""
    df = stops.copy()
    df["thread"] = [f"{t} (main)" if main else str(t) for t, main in zip(df["thread"], df["main thread"])]
    df["stack"] = df["stack"].apply(lambda s: " ← ".join(s))
    df["values"] = df["values"].apply(lambda v: ", ".join(f"{k} = {x}" for k, x in v.items()) if v else "")
    df = df.drop(columns=["main thread", "interrupted"])
    return df if df["values"].any() else df.drop(columns="values")
