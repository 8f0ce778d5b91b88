"""The threads of a cgo program and who handles what: Go's Ms, the thread ensureSigM locked,
threads in a cgo call, and threads C created, which reach Go only through badsignal.

`thread_roles()` reads the runtime's own list of Ms (runtime.allm) with delve
and sets each thread's /proc masks beside it; a thread /proc lists that no M
owns was created by C. `c_thread_breakpoints()` records where a SIGINT aimed
at such a thread goes (badsignal, then sigsend on a borrowed M).
"""

import os
import re
import threading
import time

import pandas as pd

from .. import delve, i18n, masks, procfs, session, trace
from ..i18n import C_, N_
from .common import C_THREAD, notify_got, tid_in, until_ready

# A thread's role, in a few words (role strings stay English in the data; display translates them).
C_CREATED = N_("created by C (no M)")
SYSMON = N_("sysmon (no P, runs no goroutines)")
TEMPLATE = N_("template thread (starts Ms for locked goroutines)")
MAIN = N_("main thread (m0)")
IDLE, IDLE_M = N_("idle"), N_("idle M")
# the main thread's role, then more: "main thread (m0); locked to goroutine 1 (main.main)"
i18n.pattern(N_("main thread (m0); {role}"))
# registered before the single-part patterns below, which would also match it
i18n.pattern(N_("locked to goroutine {g} ({function}); {role}"))
LOCKED = i18n.pattern(N_("locked to goroutine {g} ({function})"))
IN_CGO = i18n.pattern(N_("in a cgo call of goroutine {g} ({function})"))
RUNS = i18n.pattern(N_("runs goroutine {g} ({function})"))


def _field(children, name):
    c = children.get(name) or {}
    return c.get("value", "")


def _goid(dbg, address):
    """The goid of the g at `address` (0: none)."""
    return dbg.eval(f"(*runtime.g)({address}).goid") if int(address or 0) else None


def _ms(dbg, *, limit=512):
    """One dict per M on runtime.allm: m, tid (procid; 0 for an extra M with no thread now), started_with
    (mstartfn), locked_g, running_g, in_cgo, extra, has_p. The program must be halted."""
    rows, expr = [], "*runtime.allm"
    for _ in range(limit):
        v = dbg.eval(expr)
        f = {c["name"]: c for c in v.get("children", [])}
        rows.append({"m": int(_field(f, "id")), "tid": int(_field(f, "procid")),
                     "started_with": _field(f, "mstartfn") or None,
                     "locked_g": _goid(dbg, _field(f, "lockedg")), "running_g": _goid(dbg, _field(f, "curg")),
                     "in_cgo": _field(f, "incgo") == "true", "extra": _field(f, "isextra") == "true",
                     "has_p": int(_field(f, "p") or 0) != 0})
        nxt = int(_field(f, "alllink") or 0)
        if not nxt:
            break
        expr = f"*(*runtime.m)({nxt})"
    return rows


def _role(m, pid, starts):
    """A few words for what a thread does, from its M's fields and its goroutines' start functions."""
    if m is None:
        return C_CREATED
    start = lambda g: starts.get(g) or "?"
    started = m["started_with"] or ""
    if started.endswith(".sysmon"):
        return SYSMON
    if started.endswith(".templateThread"):
        return TEMPLATE
    parts = [MAIN] if m["tid"] == pid else []
    if m["locked_g"] is not None:
        parts.append(LOCKED.format(g=m["locked_g"], function=start(m["locked_g"])))
    if m["in_cgo"] and m["running_g"] is not None:
        parts.append(IN_CGO.format(g=m["running_g"], function=start(m["running_g"])))
    elif m["running_g"] is not None and m["running_g"] != m["locked_g"]:
        parts.append(RUNS.format(g=m["running_g"], function=start(m["running_g"])))
    if len(parts) == (1 if m["tid"] == pid else 0):
        parts.append(IDLE if parts else IDLE_M)
    return "; ".join(parts)


def roles_of(dbg, pid, thread_masks):
    """One row per thread of the halted program: /proc masks beside the runtime's view of it.

    thread_masks: masks.settled_masks(pid) read while it ran. Columns: tid, m
    (None for a thread no M owns), role, locked_g, running_g, in_cgo, blocked
    (how many), blocks (the blocked set, described), and the raw mask sets.
    attrs["extra_ms"]: Ms the runtime keeps for C threads that call into Go (no thread now).
    """
    ms = _ms(dbg)
    starts = dict(zip(*[dbg.goroutines()[c] for c in ("id", "start_function")]))
    by_tid = {m["tid"]: m for m in ms if m["tid"]}
    rows = []
    for r in thread_masks.itertuples():
        m = by_tid.get(r.tid)
        rows.append({N_("tid"): r.tid, "m": m["m"] if m else None, N_("role"): _role(m, pid, starts),
                     "locked_g": m["locked_g"] if m else None, "running_g": m["running_g"] if m else None,
                     "in_cgo": bool(m and m["in_cgo"]), C_("column", "blocked"): len(r.blocked),
                     N_("blocks"): trace.describe_mask(r.blocked), N_("pending"): trace.describe_mask(r.pending),
                     "blocked_set": r.blocked, "pending_set": r.pending, "shared_pending_set": r.shared_pending,
                     "caught_set": r.caught})
    df = pd.DataFrame(rows).astype({"m": "Int64", "locked_g": "Int64", "running_g": "Int64"})
    df.attrs.update(extra_ms=[m for m in ms if not m["tid"]], pid=pid,
                    goroutines={g: s for g, s in starts.items() if isinstance(s, str)})
    return df


def thread_roles(sample=C_THREAD, *, args=(), signal=None, at=None, timeout=30):
    """The threads of a running sample and what each does (see roles_of), read under delve once READY.

    signal: sent first, with tgkill(2) to the thread whose TID the program
    printed (`at`: a pattern whose group is the TID) or with kill(2) to the
    process; delve lets a blocked signal stay pending, so the masks show it.
    attrs: "sample", "signal", "target" (the TID aimed at, None for kill).
    """
    target = None
    with delve.launch(sample, args=args, timeout=timeout) as dbg:
        until_ready(dbg, sample, timeout)
        if not dbg.state().running:
            dbg.continue_(timeout=0.3)
        if signal and at:
            target = tid_in(dbg.target_output, at)
            masks.tgkill(dbg.pid, target, signal)
        elif signal:
            os.kill(dbg.pid, procfs.number(signal))
        if signal:
            time.sleep(0.2)
        thread_masks = masks.settled_masks(dbg.pid)
        if dbg.state().running:
            dbg.halt()
        df = roles_of(dbg, dbg.pid, thread_masks)
    df.attrs.update(sample=sample, signal=signal, target=target)
    return df


def c_thread_signal(sample=C_THREAD):
    """tgkill(SIGINT) at a thread C created with pthread_create, with and without Notify."""
    rows = []
    for setting, args in (("signal.Notify(SIGINT)", ()), (N_("no Notify (-no-notify)"), ("-no-notify",))):
        with session.start(sample, args=args) as prog:
            tid = tid_in(prog.output, r"C thread tid (\d+)")
            st = procfs.thread_status(prog.pid, tid)
            masks.tgkill(prog.pid, tid, "SIGINT")
            outcome = prog.wait(5)
        rows.append({N_("program"): setting, N_("C thread"): tid,
                     N_("C thread blocks"): trace.describe_mask(st["blocked"]),
                     N_("Notify got"): notify_got(outcome.output), N_("ended"): outcome.how})
    return pd.DataFrame(rows)


def _tgkill_when(dbg, pattern, signame, box, timeout):
    """In the background: once the program prints `pattern` (a TID group), tgkill that thread."""
    def later():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, dbg.target_output)
            if m:
                box["tid"] = int(m.group(1))
                masks.tgkill(dbg.pid, box["tid"], signame)
                return
            dbg.wait_output("\n", timeout=0.05)
            time.sleep(0.01)

    threading.Thread(target=later, daemon=True).start()


BREAKPOINTS = (("runtime.sighandler", "sig == 2"), ("runtime.badsignal", "sig == 2"), ("runtime.sigsend", "s == 2"))


def c_thread_breakpoints(sample=C_THREAD, *, timeout=15):
    """delve: the program's threads once READY (thread_roles), then breakpoints on runtime.sighandler,
    runtime.badsignal and runtime.sigsend (SIGINT only) and a tgkill(SIGINT) at the C thread.

    One row per stop: order, function, thread, goroutine, stack. attrs: "hits"
    (each breakpoint's hit count at the last stop, a dict), "tid" (the C
    thread), "threads" (roles_of() before the signal), "receiver" (the thread
    os/signal.loop's goroutine waits on, None if not on one).
    """
    rows, box, hits = [], {}, {}
    with delve.launch(sample, timeout=timeout + 20) as dbg:
        until_ready(dbg, sample, timeout)
        if not dbg.state().running:
            dbg.continue_(timeout=0.3)
        thread_masks = masks.settled_masks(dbg.pid)
        if dbg.state().running:
            dbg.halt()
        threads = roles_of(dbg, dbg.pid, thread_masks)
        gs = dbg.goroutines()
        loop = gs[gs["start_function"] == "os/signal.loop"]
        receiver = int(loop["thread"].iloc[0]) if len(loop) and pd.notna(loop["thread"].iloc[0]) else None
        names = {dbg.create_breakpoint(fn, cond=cond): fn for fn, cond in BREAKPOINTS}
        _tgkill_when(dbg, r"C thread tid (\d+)\n", "SIGINT", box, timeout)
        for order in range(1, 4):
            stop = dbg.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.breakpoint not in names:
                break
            stack = list(dbg.stacktrace(-1, depth=8)["function"])
            rows.append({N_("order"): order, N_("function"): names[stop.breakpoint], N_("thread"): stop.thread,
                         N_("goroutine"): stop.goroutine, N_("stack"): " ← ".join(f for f in stack if f)})
            hits = {k: int(v) for k, v in dbg.breakpoints().set_index("function")["hits"].items()}
    df = pd.DataFrame(rows, columns=["order", "function", "thread", "goroutine", "stack"])
    df = df.astype({"goroutine": "Int64"})
    df.attrs.update(tid=box.get("tid"), hits=hits, threads=threads, receiver=receiver)
    return df


def hit_counts(stops):
    """The breakpoints' hit counts after c_thread_breakpoints(), one row per breakpoint."""
    return pd.DataFrame([{N_("breakpoint on"): fn, N_("condition"): cond, N_("hits"): stops.attrs["hits"].get(fn, 0)}
                         for fn, cond in BREAKPOINTS])
