"""Fixtures for chapter 5's judges: evidence shaped as each experiment returns it."""

import pandas as pd

from sigcamp.claims import ch5
from sigcamp.dumps import Dumps


def dumps(*, readers=8, conns=8, alive=True, stw=(1, 230), top="main.fillCache (inline)", mib=16.0, empty=False):
    stacks = ["runtime.gopark < net.(*conn).Read < main.serveConn"] * readers + ["main.worker"] * 4
    g = pd.DataFrame({"state": ["IO wait"] * readers + ["chan receive"] * 4, "stack": stacks})
    heap = pd.DataFrame(columns=["function", "flat_bytes"]) if empty else \
        pd.DataFrame({"function": [top, "runtime.mallocgc"], "flat_bytes": [mib * 2**20, 5e5]})
    return Dumps(goroutines=g, heap=heap, text="", outcome=None, alive_after=alive,
                 timings={"goroutines": 1.0, "heap": 4.0}, cache_mib=16, conns=conns, workers=4,
                 stw={"goroutines": stw, "heap": (0, 0)})


def levels(panic2=0, quit2=1, quit_none=1):
    rows = [("panic", "2", panic2), ("SIGQUIT", "2", quit2), ("SIGQUIT", "none", quit_none), ("SIGQUIT", "crash", 5)]
    return pd.DataFrame(rows, columns=["failure", "GOTRACEBACK", "register dumps"])


def shutdown(only_lost=4, grace_lost=0, nowait_lost=4, short_lost=4):
    rows = []
    for title, lost, ended in ((ch5.GRACE, grace_lost, "exit 143"), (ch5.SHORT, short_lost, "exit 1"),
                               (ch5.INTERRUPT_ONLY, only_lost, "killed by SIGTERM" if only_lost else "exit 143"),
                               (ch5.NO_WAIT, nowait_lost, "exit 143")):
        rows.append({"scenario": title, "ended": ended, "in flight": 4, "answered": 4 - lost, "lost": lost})
    return pd.DataFrame(rows), []


def events(timeouts, instances):
    rows = [{"event": "WATCHDOG=1", "status": "jobs 9", "instance": 1}] * 3
    rows += [{"event": "watchdog timeout", "status": "", "instance": i + 1} for i in range(timeouts)]
    rows += [{"event": "started", "status": "", "instance": instances}]
    return pd.DataFrame(rows)


def watchdog(ticker_timeouts=0, health_timeouts=2):
    return {"health": events(health_timeouts, health_timeouts + 1), "ticker": events(ticker_timeouts, 1)}


def reads(eagain=1, got="6 bytes, err <nil>"):
    df = pd.DataFrame([{"reader": "os.Pipe read", "read returned EAGAIN": eagain, "Go code got": got}])
    df.attrs["netpoll uses EPOLLET"] = True
    return df


def loop(eintr=3, ctrl_c="killed by SIGINT"):
    rows = []
    for title in ("Notify(SIGINT, SIGUSR1), loop retries on EINTR", "no Notify, loop retries on EINTR",
                  "no Notify, loop gives up on EINTR"):
        rows.append({"setup": title, "EINTR from them": eintr, "EINTR in quiet_s of GC": 0,
                     "loop afterwards": "in epoll_wait", "Ctrl+C": ctrl_c})
    return pd.DataFrame(rows)


def memory(ended="killed by SIGKILL", not_run=None):
    if not_run:
        return pd.DataFrame([{"case": "no GOMEMLIMIT", "not run": not_run}])
    rows = [{"GOMEMLIMIT": "off", "limit (MiB)": 64, "cgroup": "v1", "ended": ended, "allocated (MiB)": 56,
             "SIGTERM handler ran": ended != "killed by SIGKILL", "GCs": 0, "oom_score_adj asked": -900,
             "writing it": "EACCES"},
            {"GOMEMLIMIT": "32MiB", "limit (MiB)": 64, "cgroup": "v1", "ended": "exit 143", "allocated (MiB)": 256,
             "SIGTERM handler ran": True, "GCs": 10, "oom_score_adj asked": -900, "writing it": "EACCES"}]
    return pd.DataFrame(rows)


def setns(pid="ok", other_in=False, own_unchanged=True):
    df = pd.DataFrame({"step": ["setns"], "result": [pid]})
    df.attrs["facts"] = {"pid_setns": pid, "own_pid_unchanged": own_unchanged, "same_thread_child_pid": 2,
                         "same_thread_child_in_target": pid == "ok", "other_thread_child_pid": 4242,
                         "other_thread_child_in_target": other_in, "proc1": "init", "mnt_setns": "EINVAL",
                         "user_setns": "EINVAL", "threads": 5, "nsenter_mnt": "ok"}
    return df


def peer(peerpid=False):
    return pd.DataFrame({"option": ["SO_PEERPID", "SO_PEERCRED"], "Python socket": [peerpid, True],
                         "Go syscall (linux/amd64)": [peerpid, True]})


def windows(brk="SIGINT", sends=1):
    df = pd.DataFrame({"event": ["CTRL_C_EVENT", "CTRL_BREAK_EVENT", "CTRL_CLOSE_EVENT"],
                       "os/signal delivers": ["SIGINT", brk, "SIGTERM"]})
    df.attrs["sigsend calls"] = sends
    return df


FIXTURES = {
    "ch5.usr1-dump-finds-blocked-reads": [(dumps(), "holds"), (dumps(readers=3), "refuted"),
                                          (dumps(alive=False), "refuted")],
    "ch5.usr-signals-zero-intrusion": [(dumps(), "refuted"), (dumps(stw=(0, 0)), "holds"),
                                       (dumps(stw=(0, 0), alive=False), "refuted")],
    "ch5.usr2-heap-profile": [(dumps(), "holds"), (dumps(mib=2.0), "refuted"), (dumps(top="main.other"), "refuted"),
                              (dumps(empty=True), "refuted")],
    "ch5.gotraceback-2-registers": [(levels(), "holds only when"), (levels(panic2=1), "holds"),
                                    (levels(quit2=0), "refuted")],
    "ch5.interrupt-graceful-under-systemd": [(shutdown(), "refuted"), (shutdown(only_lost=0), "holds")],
    "ch5.sigterm-shutdown-hook": [(shutdown(), "holds only when"), (shutdown(nowait_lost=0), "holds"),
                                  (shutdown(grace_lost=2), "refuted")],
    "ch5.watchdog-independent-goroutine": [(watchdog(), "refuted"), (watchdog(ticker_timeouts=1), "holds"),
                                           (watchdog(health_timeouts=0), "not reproduced")],
    "ch5.eagain-lockosthread-epollet": [(reads(), "refuted"), (reads(got="0 bytes, err resource temporarily "
                                                                    "unavailable"), "holds")],
    "ch5.cgo-epoll-event-loop": [(loop(), "holds only when"), (loop(eintr=0), "holds"),
                                 (loop(ctrl_c="survived"), "refuted")],
    "ch5.oom-score-memorymax": [(memory(), "holds only when"), (memory(ended="exit 143"), "not reproduced"),
                                (memory(not_run="no writable memory cgroup"), "not reproduced")],
    "ch5.setns-pid-namespace": [(setns(), "holds only when"), (setns(pid="EPERM"), "refuted"),
                                (setns(other_in=True), "holds")],
    "ch5.so-peerpid": [(peer(), "refuted"), (peer(peerpid=True), "holds")],
    "ch5.windows-ctrl-break": [(windows(), "holds only when"), (windows(brk="SIGBREAK"), "refuted"),
                               (windows(sends=3), "holds")],
}
