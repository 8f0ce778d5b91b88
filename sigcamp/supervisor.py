"""A tiny service manager speaking systemd's notify protocol, to watch a Go service's watchdog.

`NotifySocket`: a real unix datagram socket whose messages carry their sender's PID
(SO_PASSCRED, SCM_CREDENTIALS). `supervise()` starts a service with NOTIFY_SOCKET and
WATCHDOG_USEC, records every message, and on a missed ping sends SIGABRT and restarts it.
"""

import select
import socket
import struct
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import session
from .figures import figure

_UCRED = struct.Struct("iII")  # pid, uid, gid


class NotifySocket:
    """A bound AF_UNIX SOCK_DGRAM socket at <tmpdir>/notify; use as a context manager."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="sigcamp-notify-")
        self.path = str(Path(self._dir.name) / "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def receive(self, timeout):
        """The next datagram as (monotonic ns, sender pid, {KEY: value}, raw text), or None after `timeout` s."""
        ready, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not ready:
            return None
        data, ancdata, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(_UCRED.size))
        at = time.monotonic_ns()
        pid = None
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = _UCRED.unpack(payload[:_UCRED.size])[0]
        text = data.decode(errors="replace")
        fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        return at, pid, fields, text

    def close(self):
        self.sock.close()
        self._dir.cleanup()


def supervise(program="sd-notify-service", *, watchdog_ms=200, run_s=3.0, restart_ms=100, max_starts=4,
              env=None, start_timeout=5.0, stop_timeout=3.0):
    """Run `program` as a Type=notify service with WatchdogSec=watchdog_ms for about run_s seconds.

    The watchdog is armed by READY=1 and re-armed by every WATCHDOG=1. When it
    runs out, the service gets SIGABRT, its output (a Go runtime dump) is kept,
    and a new instance starts restart_ms later (at most max_starts instances).
    Once run_s is over (and the current instance is READY; start_timeout
    bounds the wait) it gets SIGTERM, systemd's stop. Returns a
    DataFrame of events: t_s, instance, pid, event, status, detail; attrs:
    "outputs" (instance -> text), "watchdog_ms", "outcomes".
    """
    events, outputs, outcomes = [], {}, {}
    with NotifySocket() as ns:
        t0 = time.monotonic_ns()

        def log(instance, pid, event, status="", detail="", at=None):
            events.append({"t_s": ((at or time.monotonic_ns()) - t0) / 1e9, "instance": instance, "pid": pid,
                           "event": event, "status": status, "detail": detail})

        pids = {}
        instance, prog = 0, None
        try:
            while True:
                instance += 1
                prog = session.start(program, env={"NOTIFY_SOCKET": ns.path,
                                                   "WATCHDOG_USEC": str(watchdog_ms * 1000), **(env or {})},
                                     ready=None)
                pids[prog.pid] = instance
                log(instance, prog.pid, "started")
                end = t0 + int(run_s * 1e9)
                reason = _watch(ns, prog, instance, pids, log, watchdog_ms, end, start_timeout)
                if reason == "watchdog":
                    log(instance, prog.pid, "watchdog timeout", detail=f"no WATCHDOG=1 for {watchdog_ms} ms")
                    prog.send("SIGABRT")
                    log(instance, prog.pid, "SIGABRT sent")
                    outcomes[instance] = prog.wait(5)
                    outputs[instance] = outcomes[instance].output
                    log(instance, prog.pid, "exited", detail=outcomes[instance].how)
                elif reason == "exited":
                    outcomes[instance] = prog.wait(1)
                    outputs[instance] = outcomes[instance].output
                    log(instance, prog.pid, "exited", detail=outcomes[instance].how)
                else:  # time is up, or it never became READY: stop it the way systemd does
                    if reason == "start timeout":
                        log(instance, prog.pid, "start timeout", detail=f"no READY=1 within {start_timeout} s")
                    prog.send("SIGTERM")
                    log(instance, prog.pid, "SIGTERM sent")
                    _drain(ns, pids, log, until=time.monotonic_ns() + int(stop_timeout * 1e9), prog=prog)
                    outcomes[instance] = prog.wait(stop_timeout)
                    outputs[instance] = outcomes[instance].output
                    log(instance, prog.pid, "exited", detail=outcomes[instance].how)
                    break
                prog.close()
                if instance >= max_starts:
                    break
                time.sleep(restart_ms / 1000)
        finally:
            if prog is not None:
                prog.close()
    df = pd.DataFrame(events, columns=["t_s", "instance", "pid", "event", "status", "detail"])
    df.attrs.update(outputs=outputs, watchdog_ms=watchdog_ms, outcomes=outcomes)
    return df


def watchdog_modes(*, hang_after=6, health_s=3.5, ticker_s=2.0, watchdog_ms=200):
    """The same hang (the worker deadlocks after `hang_after` pings) under both ways of feeding the watchdog:
    {"health": pings gated on the worker's mutex, "ticker": an independent goroutine on a timer}."""
    env = {"HANG_AFTER": str(hang_after)}
    return {"health": supervise(env=env, run_s=health_s, watchdog_ms=watchdog_ms),
            "ticker": supervise(env={**env, "PING_MODE": "ticker"}, run_s=ticker_s, watchdog_ms=watchdog_ms)}


def _record(msg, pids, log):
    at, pid, fields, text = msg
    for key in ("READY", "WATCHDOG", "STOPPING"):
        if fields.get(key) == "1":
            log(pids.get(pid), pid, f"{key}=1", status=fields.get("STATUS", ""), detail=text.replace("\n", " "), at=at)
            return key
    log(pids.get(pid), pid, "message", status=fields.get("STATUS", ""), detail=text.replace("\n", " "), at=at)
    return None


def _watch(ns, prog, instance, pids, log, watchdog_ms, end, start_timeout):
    """Receive messages until the watchdog runs out ("watchdog"), the program ends ("exited"), it
    was not READY in time ("start timeout") or time is up ("time", only once it is READY)."""
    armed_until = None
    give_up = time.monotonic_ns() + int(start_timeout * 1e9)
    while True:
        now = time.monotonic_ns()
        if armed_until is None and now >= give_up:
            return "start timeout"
        if now >= end and armed_until is not None:
            return "time"
        if armed_until is not None and now >= armed_until:
            return "watchdog"
        if not prog.alive():
            return "exited"
        limit = min(max(end, now), armed_until or give_up, now + 50_000_000)
        msg = ns.receive((limit - now) / 1e9)
        if msg is None:
            continue
        key = _record(msg, pids, log)
        if key in ("READY", "WATCHDOG") and pids.get(msg[1]) == instance:
            armed_until = msg[0] + watchdog_ms * 1_000_000


def _drain(ns, pids, log, *, until, prog):
    """Record messages (STOPPING=1 ...) until `until` or shortly after the program has ended."""
    while time.monotonic_ns() < until:
        msg = ns.receive(0.05)
        if msg is not None:
            _record(msg, pids, log)
        elif not prog.alive():
            return


def pings(events):
    """The WATCHDOG=1 rows with the gap since the previous ping of the same instance (ms)."""
    p = events[events["event"] == "WATCHDOG=1"].copy()
    p["gap_ms"] = p.groupby("instance")["t_s"].diff() * 1000
    return p


@figure
def plot(events, *, title=None):
    """Two panels: every message per instance over time (pings whose STATUS did not change since the
    previous one in orange), and the watchdog's clock against WATCHDOG_USEC."""
    wd = events.attrs.get("watchdog_ms")
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 4.6), height_ratios=(1.2, 1))
    styles = {"READY=1": ("^", "tab:green", 60), "STOPPING=1": ("s", "black", 40),
              "started": ("o", "tab:gray", 30), "exited": ("x", "black", 50)}
    for event, (marker, colour, size) in styles.items():
        part = events[events["event"] == event]
        top.scatter(part["t_s"], part["instance"], marker=marker, color=colour, s=size, label=event)
    p = pings(events)
    frozen = p["status"].eq(p.groupby("instance")["status"].shift())
    for mask, colour, label in ((~frozen, "tab:blue", "WATCHDOG=1"),
                                (frozen, "tab:orange", "WATCHDOG=1, STATUS unchanged")):
        top.scatter(p.loc[mask, "t_s"], p.loc[mask, "instance"], marker="|", color=colour, s=80, label=label)
    for t in events.loc[events["event"] == "watchdog timeout", "t_s"]:
        for ax in (top, bottom):
            ax.axvline(t, color="tab:red", ls="--", lw=1)
    top.set_ylabel("instance")
    top.set_yticks(sorted(events["instance"].dropna().unique()))
    top.legend(loc="upper center", bbox_to_anchor=(0.5, 1.38), ncol=3, fontsize="small", frameon=False)
    for inst, part in events.groupby("instance"):
        xs, ys = _sawtooth(part)
        bottom.plot(xs, ys, color="tab:blue", lw=1)
    if wd:
        bottom.axhline(wd, color="tab:red", lw=1)
        bottom.text(1.0, 1.02, f"red line: WATCHDOG_USEC = {wd} ms", transform=bottom.transAxes, ha="right",
                    fontsize="small")
    bottom.set_ylabel("ms since the\nlast ping")
    bottom.set_xlabel("seconds since the supervisor started; red dashes: watchdog timeout → SIGABRT → restart")
    if title:
        fig.suptitle(title, y=1.0)
    fig.tight_layout()
    return fig


def _sawtooth(part):
    """The watchdog's clock for one instance: ms since READY=1 or the last WATCHDOG=1, over time."""
    arms = part.loc[part["event"].isin(["READY=1", "WATCHDOG=1"]), "t_s"].tolist()
    ends = part.loc[part["event"].isin(["watchdog timeout", "SIGTERM sent"]), "t_s"].tolist()
    xs, ys = [], []
    for a, b in zip(arms, arms[1:] + ends[:1]):
        xs += [a, b, None]
        ys += [0, (b - a) * 1000, None]
    return xs, ys


def instance_table(events):
    """One row per instance: pid, when it was READY, pings, last STATUS, how it ended."""
    rows = []
    for inst, part in events.groupby("instance"):
        ev = part["event"]
        st = part.loc[ev == "WATCHDOG=1", "status"]
        rows.append({
            "instance": int(inst), "pid": int(part["pid"].iloc[0]),
            "READY at (s)": round(part.loc[ev == "READY=1", "t_s"].min(), 3) if (ev == "READY=1").any() else None,
            "pings": int((ev == "WATCHDOG=1").sum()),
            "last STATUS": st.iloc[-1] if len(st) else "",
            "watchdog timeout": bool((ev == "watchdog timeout").any()),
            "STOPPING=1": bool((ev == "STOPPING=1").any()),
            "ended": part.loc[ev == "exited", "detail"].iloc[-1] if (ev == "exited").any() else "",
        })
    return pd.DataFrame(rows)


def stuck_goroutines(events, instance=1):
    """The goroutines of the Go dump an instance printed when SIGABRT ended it (dumps.parse_goroutines)."""
    from .dumps import parse_goroutines

    g = parse_goroutines(events.attrs["outputs"].get(instance, ""))
    return g[g["user_frame"].notna()][["id", "state", "blocked_in", "user_frame", "stack"]].reset_index(drop=True)
