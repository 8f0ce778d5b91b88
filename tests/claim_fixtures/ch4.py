"""Fixtures for chapter 4's judges: evidence shaped as attach, routing, sigowner and pid1 return it."""

import pandas as pd

from sigcamp import attach, pid1, routing, sigowner
from sigcamp.attach import AttachRun
from sigcamp.session import Outcome


def attach_run(halt=("SIGTRAP", "SIGSTOP", "SIGSTOP"), states="ttt"):
    """An AttachRun whose halt sent `halt` (kill for the first, tgkill for the rest) with threads in `states`."""
    sent = pd.DataFrame({"step": "halt", "call": ["kill"] + ["tgkill"] * (len(halt) - 1), "target": range(len(halt)),
                         "to": "", "signal": list(halt), "result": "0"})
    after = Outcome(exit_code=130, signal=None, output="got signal: interrupt\n", alive=False, started_ns=0,
                    ready_ns=0, sent_ns=0, ended_ns=0)
    return AttachRun(pid=100, tracer_before=0, tracer_attached=200, tracer_after=0,
                     states_halted=pd.DataFrame({"tid": range(len(states)), "state": list(states)}), sent=sent,
                     goroutines=pd.DataFrame(), after=after)


def detach_runs(plain_running=(), plain_stopped=("SIGCONT",), attached_kill=("SIGINT",)):
    """detach_runs() rows; each argument lists the signals dlv sent in that case."""
    def row(case, how, request, signals, ended):
        return {"case": case, "started with": how, "target": "", "request": request,
                "dlv sent": ", ".join(f"kill(pid, {s})" for s in signals) or "nothing", "signals": list(signals),
                "0.2 s later": "", "ended": ended, "the program printed": ""}
    return pd.DataFrame([row("attached, running", "dlv attach", attach.PLAIN, plain_running, "survived"),
                         row("attached, stopped", "dlv attach", attach.PLAIN, plain_stopped, "survived"),
                         row("attached, kill", "dlv attach", attach.KILLING, attached_kill, "exit 130"),
                         row("exec, kill", "dlv exec", attach.KILLING, ("SIGKILL",), "killed by SIGKILL")])


def routes(kill_on=("main thread", "main thread"), aimed_on_locked=True):
    """thread_routing() rows: kill(2) with a new goroutine locked, handler on `kill_on`; then tgkill."""
    rows = []
    for role in kill_on:
        tid = {"main thread": 1, "locked thread": 2, "another thread": 3}[role]
        rows.append({"locked goroutine": "goroutine", "sent with": "kill", "main thread": 1, "locked thread": 2,
                     "handler ran on": tid, "handler ran on (role)": role, "os/signal.loop ran on": 3})
    rows.append({"locked goroutine": "goroutine", "sent with": "tgkill", "main thread": 1, "locked thread": 2,
                 "handler ran on": 2 if aimed_on_locked else 3,
                 "handler ran on (role)": "locked thread" if aimed_on_locked else "another thread",
                 "os/signal.loop ran on": 3})
    rows.append({"locked goroutine": "main", "sent with": "kill", "main thread": 1, "locked thread": 1,
                 "handler ran on": 1, "handler ran on (role)": "main thread (= locked)", "os/signal.loop ran on": 3})
    return pd.DataFrame(rows)


def order(article=4, swapped=4, unlocked=4, sent=4):
    cases = list(routing.ORDER_CASES)
    return pd.DataFrame([
        {"case": cases[0], "sent": sent, "the locked goroutine got": article, "on its locked thread": article,
         "an unlocked goroutine got": None},
        {"case": cases[1], "sent": sent, "the locked goroutine got": swapped, "on its locked thread": swapped,
         "an unlocked goroutine got": None},
        {"case": cases[2], "sent": sent, "the locked goroutine got": article, "on its locked thread": article,
         "an unlocked goroutine got": unlocked},
    ])


def timeouts(errnos=("EAGAIN",) * 3, waited=("SIGUSR1", "")):
    rows = [{"call": "sigtimedwait", "timeout (ms)": t, "returned": -1 if e else 10, "errno": e, "took (ms)": t + 0.05,
             "asleep in": ""} for t, e in zip((0, 1, 10), errnos)]
    rows.append({"call": "sigwaitinfo", "timeout (ms)": None, "returned": waited[0] if not waited[1] else -1,
                 "errno": waited[1], "took (ms)": 300.0, "asleep in": "rt_sigtimedwait, timeout NULL"})
    return pd.DataFrame(rows)


def owners(wait_thread=(0, 10), poll_thread=(3, 7), wait_ctor=(10, 0), poll_ctor=(10, 0), poll_rate=15000,
           wait_rate=20):
    """sigwait_owner() rows: (C owner got, nobody saw) per case, out of 10, and wake-ups per second."""
    def row(mode, wait, got, rate, cpu):
        return {"SIGUSR1 blocked by": sigowner.HOW[mode], "Go Notify": sigowner.NOTIFY[""],
                "owner": sigowner.WAITS[wait],
                "owner CPU %": cpu, "owner wake-ups/s": rate, "sent": 10, "C owner got": got[0], "Go Notify got": 0,
                "nobody saw": got[1]}
    return pd.DataFrame([row("thread", "sigwaitinfo", wait_thread, wait_rate, 0),
                         row("constructor", "sigwaitinfo", wait_ctor, wait_rate, 0),
                         row("thread", "poll", poll_thread, poll_rate, 8),
                         row("constructor", "poll", poll_ctor, poll_rate, 8)])


def gcs(finished=(True, True)):
    rows = [{"the owner waits": "in a goroutine's cgo call, sigwaitinfo", "run": i, "finished": f,
             "longest runtime.GC() (ms)": 2.0 if f else None} for i, f in enumerate(finished)]
    rows.append({"the owner waits": "on a thread C created, sigwaitinfo", "run": 0, "finished": True,
                 "longest runtime.GC() (ms)": 1.5})
    return pd.DataFrame(rows)


def pid1_table(c="survived", go="exit 2", notify="exit 130", init="exit 130", go_kill=None):
    """pid1_table() rows for tty ^C and kill -INT to PID 1 (kill -INT gives the same as ^C unless go_kill says)."""
    rows = []
    for key, ended in (("c", c), ("go", go), ("notify", notify), ("init", init)):
        for send in ("ctrl-c", "SIGINT"):
            out = go_kill if key == "go" and send == "SIGINT" and go_kill else ended
            rows.append({"entry": key, "entry point (PID 1)": key, "sent": pid1.SENT_TEXT[send], pid1.ENDED: out})
    return pd.DataFrame(rows)


FIXTURES = {
    "ch4.delve-halt-sends-sigint": [(attach_run(), "refuted"), (attach_run(halt=("SIGINT",), states="SS"), "holds")],
    "ch4.runtime-pauses-every-p": [(attach_run(), "refuted"), (attach_run(states="tSt"), "not reproduced")],
    "ch4.detach-sends-sigint": [(detach_runs(), "holds only when"), (detach_runs(plain_running=("SIGINT",)), "holds"),
                                (detach_runs(attached_kill=("SIGKILL",)), "refuted")],
    "ch4.lockosthread-notify-routes": [(routes(), "refuted"), (routes(kill_on=("locked thread",) * 2), "holds"),
                                       (routes(kill_on=("locked thread", "main thread")), "refuted")],
    "ch4.lock-before-notify": [(order(), "refuted"), (order(swapped=2), "holds"),
                               (order(article=3, swapped=2), "not reproduced")],
    "ch4.sigwaitinfo-eagain": [(timeouts(), "holds only when"), (timeouts(waited=("", "EAGAIN")), "holds"),
                               (timeouts(errnos=("", "", "")), "refuted")],
    "ch4.poll-fixes-stolen-signal": [(owners(), "refuted"), (owners(poll_thread=(10, 0)), "holds"),
                                     (owners(wait_thread=(10, 0)), "not reproduced")],
    "ch4.poll-not-busy": [(owners(), "refuted"), (owners(poll_rate=200), "holds")],
    "ch4.poll-unsticks-gc": [(gcs(), "refuted"), (gcs(finished=(True, False)), "holds")],
    "ch4.pid1-needs-init": [(pid1_table(), "holds only when"), (pid1_table(go="survived"), "holds"),
                            (pid1_table(c="killed by SIGINT"), "refuted"), (pid1_table(init="survived"), "refuted")],
    "ch4.init-exit-130": [(pid1_table(), "holds only when"), (pid1_table(go="exit 130"), "refuted"),
                          (pid1_table(init="exit 2"), "refuted"), (pid1_table(notify="exit 2"), "holds")],
}
