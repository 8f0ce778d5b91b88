"""delve on a program that already runs: what it sends when it halts, detaches or kills, and what it sees.

`attach_snapshot()` attaches a headless delve to a live sample, halts it, takes
a goroutine snapshot and detaches, with strace on dlv recording every signal it
sends; `detach_runs()` compares delve's ways of letting go; `dlv_ctrl_c_and_kill()`
is the same as a person at two terminals would do it.
"""

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import delve, session
from .errors import SigcampError
from .strace_attach import SENDING, Attached, aimed_at


def _state(pid, tid):
    """One letter from /proc/PID/task/TID/stat: R, S, t (tracing stop), T (stopped), Z..."""
    try:
        return Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def tracer_pid(pid, *, wait=0.0):
    """TracerPid from /proc/PID/status: the debugger attached to it, 0 when none.

    wait: up to this many seconds for a tracer to show up.
    """
    deadline = time.monotonic() + wait
    while True:
        found = next((int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if l.startswith("TracerPid:")), 0)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.01)


def thread_states(pid):
    """DataFrame tid, state (the kernel's letter) of every thread of `pid`."""
    tids = sorted(int(t.name) for t in Path(f"/proc/{pid}/task").iterdir())
    return pd.DataFrame({"tid": tids, "state": [_state(pid, t) for t in tids]})


def _whom(target, pid, tids):
    if target == pid:
        return "the process"
    return "another of its threads" if target in set(tids) else "?"


def _sent(events, pid, tids, step):
    """The signals dlv aimed at `pid` during `step`: step, call, target, to, signal, result."""
    sent = aimed_at(events, pid)
    return pd.DataFrame({"step": step, "call": sent.call, "target": sent.target,
                         "to": [_whom(abs(int(t)), pid, tids) for t in sent.target],
                         "signal": sent.signal, "result": sent.result}).reset_index(drop=True)


@dataclass
class AttachRun:
    """What attaching delve to a running program did (see attach_snapshot)."""

    pid: int
    tracer_before: int
    tracer_attached: int
    tracer_after: int
    states_halted: pd.DataFrame  # tid, state while delve holds it
    sent: pd.DataFrame  # step, call, target, to, signal, result: what dlv sent while halting, detaching
    goroutines: pd.DataFrame
    after: session.Outcome  # after the detach: a real Ctrl+C on its own terminal

    def tracers(self):
        """TracerPid of the program before, during and after delve (0: nobody traces it)."""
        return pd.DataFrame({"when": ["before attach", "attached", "after detach"],
                             "TracerPid": [self.tracer_before, self.tracer_attached, self.tracer_after]})

    def signals_sent(self, step):
        """Names of the signals delve sent during `step` ("halt" or "detach")."""
        return list(self.sent.loc[self.sent.step == step, "signal"])

    def ctrl_c_after(self):
        """The real Ctrl+C after the detach, as a one-row table: how it ended, what it printed."""
        printed = "\n".join(l for l in self.after.transcript.splitlines() if l.strip() and l.strip() != "READY")
        return pd.DataFrame([{"after the detach": "Ctrl+C on the program's own terminal", "ended": self.after.how,
                              "the program printed": printed}])


def _running_under(dbg, timeout=20):
    """Start a continue on a thread of its own and return once delve reports the program running."""
    runner = threading.Thread(target=dbg.continue_, kwargs={"timeout": 30}, daemon=True)
    runner.start()
    deadline = time.monotonic() + timeout
    while not dbg.state().running:
        if time.monotonic() > deadline:
            raise SigcampError(f"delve did not report the program running within {timeout} s")
        time.sleep(0.02)  # halting before delve has started the continue would race it
    return runner


def attach_snapshot(sample="notify-loop", *, settle=0.3):
    """Attach delve (headless, JSON-RPC) to a running sample, let it run, halt it, take a
    goroutine snapshot, detach leaving it running, then press Ctrl+C on its own terminal.

    strace records the kill/tgkill calls delve makes while halting and detaching.
    """
    with session.start(sample) as prog:
        before = tracer_pid(prog.pid)
        with delve.attach(prog.pid) as dbg:
            attached = tracer_pid(prog.pid, wait=5)
            runner = _running_under(dbg)
            time.sleep(settle)
            with Attached(attached) as halting:
                dbg.halt()
                runner.join()
                halted = thread_states(prog.pid)
                goroutines = dbg.goroutines()
            with Attached(attached) as detaching:
                dbg.detach(kill=False)
        after_detach = tracer_pid(prog.pid)
        time.sleep(0.1)
        prog.ctrl_c()
        outcome = prog.wait(5)
    tids = list(halted.tid)
    sent = pd.concat([_sent(halting.events, prog.pid, tids, "halt"),
                      _sent(detaching.events, prog.pid, tids, "detach")], ignore_index=True)
    return AttachRun(pid=prog.pid, tracer_before=before, tracer_attached=attached, tracer_after=after_detach,
                     states_halted=halted, sent=sent, goroutines=goroutines, after=outcome)


# --- delve's ways of letting go ------------------------------------------------------

DETACH_CASES = ("attached, running", "attached, stopped", "attached, kill", "exec, kill")
PLAIN, KILLING = "Detach, Kill: false", "Detach, Kill: true"
_CASE_TEXT = {
    "attached, running": ("dlv attach", "running", PLAIN),
    "attached, stopped": ("dlv attach", "stopped by kill -STOP from another shell", PLAIN),
    "attached, kill": ("dlv attach", "running", KILLING),
    "exec, kill": ("dlv exec", "running", KILLING),
}
STATE_TEXT = {"R": "running", "S": "running (asleep)", "T": "stopped", "t": "stopped by a tracer",
              "Z": "ended, not yet reaped", "gone": "gone"}


def detach_run(case, sample="notify-loop"):
    """One way delve lets go of `sample` (a case of DETACH_CASES), with strace on dlv.

    Returns a dict: how started, target state, request, what dlv sent (the kill calls
    aimed at the target, during the Detach request), 0.2 s later (the target's state in words),
    ended, the program printed.
    """
    how, before, request = _CASE_TEXT[case]
    if how == "dlv exec":
        return _exec_detach(sample, request)
    with session.start(sample) as prog:
        with delve.attach(prog.pid) as dbg:
            dlv_pid = tracer_pid(prog.pid, wait=5)
            if case == "attached, stopped":
                os.kill(prog.pid, signal.SIGSTOP)  # queued while delve holds it: it stops once let go
            with Attached(dlv_pid) as watch:
                dbg.detach(kill=request == KILLING)
            time.sleep(0.2)
            after = _state(prog.pid, prog.pid) or "gone"
        outcome = prog.wait(1)
    return _row(how, before, request, watch.events, prog.pid, after, outcome.how, outcome.transcript)


def _exec_detach(sample, request):
    with delve.launch(sample) as dbg:
        deadline = time.monotonic() + 20
        while "READY" not in dbg.target_output:
            if dbg.continue_(timeout=0.3).exited or time.monotonic() > deadline:
                raise SigcampError(f"{sample} did not print READY under delve:\n{dbg.target_output}")
        runner = _running_under(dbg)
        dbg.halt()
        runner.join()
        pid = dbg.pid
        with Attached(tracer_pid(pid, wait=5), calls=(*SENDING, "wait4")) as watch:
            dbg.detach(kill=True)
        after = _state(pid, pid) or "gone"
        printed = dbg.target_output
    reaped = watch.events[(watch.events.call == "wait4") & watch.events.raw.str.startswith(f"wait4({pid},")]
    killed = reaped.raw.str.extract(r"WTERMSIG\(s\) == (SIG\w+)", expand=False).dropna()
    ended = f"killed by {killed.iloc[-1]} (dlv's wait4)" if len(killed) else "not seen"
    return _row("dlv exec", "running", request, watch.events, pid, after, ended, printed)


def _row(how, before, request, events, pid, after, ended, printed):
    sent = aimed_at(events, pid)
    return {"started with": how, "target": before, "request": request,
            "dlv sent": ", ".join(f"{c}({'-' if t < 0 else ''}pid, {s})" for c, t, s in
                                  zip(sent.call, sent.target, sent.signal)) or "nothing",
            "signals": list(sent.signal), "0.2 s later": STATE_TEXT.get(after, after), "ended": ended,
            "the program printed": printed.replace("READY", "").strip()}


def detach_runs(cases=DETACH_CASES, sample="notify-loop"):
    """detach_run for each case; one row per case."""
    return pd.DataFrame([{"case": c, **detach_run(c, sample)} for c in cases])


# --- the same at two terminals ----------------------------------------------------------


def dlv_ctrl_c_and_kill(sample="notify-loop"):
    """`dlv attach` on a terminal of its own, the program on another: Ctrl+C typed at dlv,
    then a kill -USR1 from outside, then Ctrl+C on the program's own terminal.

    One row per step: what was done, what dlv printed, what the program printed.
    attrs: outcome (the program's), transcript (the whole dlv session).
    """
    rows = []
    with session.start(sample) as prog:
        with delve.Terminal.attach(prog.pid) as dlv:
            dlv.send("continue")
            time.sleep(0.3)
            said = dlv.ctrl_c()
            rows.append(("Ctrl+C typed at dlv's prompt", _line(said, "SIGINT"), _new(prog, rows)))
            dlv.send("continue")
            time.sleep(0.2)
            dlv.kill("SIGUSR1")
            prog.expect("got signal: user defined signal 1")
            rows.append(("kill -USR1 PID from another shell", "(nothing: dlv forwards it)", _new(prog, rows)))
            prog.ctrl_c()
            said = dlv.wait_prompt(timeout=10)
            outcome = prog.wait(5)
            rows.append(("Ctrl+C on the program's own terminal", _line(said, "exited"), _new(prog, rows)))
    df = pd.DataFrame(rows, columns=["step", "dlv printed", "the program printed"])
    df.attrs.update(outcome=outcome, transcript=dlv.text())
    return df


def _line(text, word):
    return next((l.strip().lstrip("^C") for l in text.splitlines() if word in l), text.strip()[:120])


def _new(prog, rows):
    lines = [l for l in prog.output.splitlines() if l.startswith("got signal")]
    seen = sum(r[2].count("got signal") for r in rows)
    return " / ".join(lines[seen:]) or "(nothing)"
