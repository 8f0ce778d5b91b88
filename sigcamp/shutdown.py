"""Graceful shutdown of a real net/http server, with requests in flight when the signal comes.

Each scenario starts the http-graceful sample on a PTY, opens slow requests to
it on 127.0.0.1 (and nowhere else), signals it while they run, sends a few
more during the shutdown, and records what every request got back.
"""

import http.client
import re
import threading
import time
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from . import session
from .errors import NotReady
from .figures import figure

HOST = "127.0.0.1"  # requests go to the loopback interface only
RESULTS = {"answered": "tab:green", "refused": "tab:gray", "cut": "tab:red", "timeout": "tab:orange"}


@dataclass(frozen=True)
class Scenario:
    title: str
    send: str = "SIGTERM"  # or "ctrl-c"
    args: tuple = ()
    second: bool = False  # send the same signal again 150 ms after the first


SCENARIOS = (
    Scenario("SIGTERM, grace 5 s"),
    Scenario("Ctrl+C, grace 5 s", send="ctrl-c"),
    Scenario("Ctrl+C twice", send="ctrl-c", second=True),
    Scenario("Ctrl+C, grace 100 ms < handlers", send="ctrl-c", args=("-grace", "100ms")),
    Scenario("Notify(os.Interrupt) only, SIGTERM", args=("-signals", "interrupt")),
    Scenario("main returns when Serve returns", args=("-wait=false",)),
)


def _request(port, path, record, timeout):
    """GET http://127.0.0.1:port/path; fills record with result, status, ended_ns."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode()
        record.update(result="answered" if resp.status == 200 and body.startswith("done") else "cut",
                      detail=f"{resp.status} {body.strip()}")
    except ConnectionRefusedError:
        record.update(result="refused", detail="connection refused")
    except TimeoutError:
        record.update(result="timeout", detail=f"no answer within {timeout} s")
    except (http.client.HTTPException, ConnectionError, OSError) as e:
        record.update(result="cut", detail=f"{type(e).__name__}: {e}")
    finally:
        record["ended_ns"] = time.monotonic_ns()
        conn.close()


class _Load:
    """Requests running in threads, each recorded as a dict."""

    def __init__(self, port, handler_ms):
        self.port, self.handler_ms, self.records, self.threads = port, handler_ms, [], []

    def fire(self, rid, phase):
        record = {"id": rid, "phase": phase, "sent_ns": time.monotonic_ns(), "result": None, "detail": ""}
        path = f"/slow?ms={self.handler_ms}&id={rid}"
        t = threading.Thread(target=_request, args=(self.port, path, record, self.handler_ms / 1000 + 5),
                             daemon=True)
        self.records.append(record)
        self.threads.append(t)
        t.start()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))


def run_scenario(sc, *, inflight=8, late=4, handler_ms=800):
    """One real run: `inflight` slow requests, the signal(s), `late` requests during the shutdown.

    Returns a DataFrame, one row per request (id, phase, result, detail,
    sent_s and ended_s from the first signal); attrs hold "outcome" and "scenario".
    """
    with session.start("http-graceful", args=sc.args) as prog:
        port = int(re.search(rf"LISTEN {re.escape(HOST)}:(\d+)", prog.output).group(1))
        load = _Load(port, handler_ms)
        for i in range(inflight):
            load.fire(f"f{i}", "in flight")
        for _ in range(inflight):
            prog.expect(r"BEGIN f\d+")
        first = time.monotonic_ns()
        _signal(prog, sc.send)
        if sc.second:
            time.sleep(0.15)
            _signal(prog, sc.send)
        try:
            prog.expect(r"shutdown: |serve returned", timeout=1)
        except NotReady:
            pass  # killed by the signal, or already gone
        time.sleep(0.02)
        for i in range(late):
            load.fire(f"l{i}", "late")
        load.join(handler_ms / 1000 + 6)
        outcome = prog.wait(handler_ms / 1000 + 6)
    df = pd.DataFrame(load.records)
    df["sent_s"] = (df["sent_ns"] - first) / 1e9
    df["ended_s"] = (df["ended_ns"] - first) / 1e9
    df = df.drop(columns=["sent_ns", "ended_ns"])
    gone = outcome.stamps.get("exit", outcome.ended_ns)  # a killed process prints no stamp
    df.attrs.update(outcome=outcome, scenario=sc, exit_s=(gone - first) / 1e9)
    return df


def _signal(prog, send):
    if send == "ctrl-c":
        prog.ctrl_c()
    else:
        prog.send(send)


def summarize(runs):
    """One row per run (a list of run_scenario results): how it ended and what happened to the requests."""
    rows = []
    for df in runs:
        o, sc = df.attrs["outcome"], df.attrs["scenario"]
        fl, lt = df[df["phase"] == "in flight"], df[df["phase"] == "late"]
        rows.append({
            "scenario": sc.title, "signal": "Ctrl+C" if sc.send == "ctrl-c" else sc.send,
            "args": " ".join(sc.args), "ended": o.how, "shell shows": o.shell_status,
            "in flight": len(fl), "answered": int((fl["result"] == "answered").sum()),
            "lost": int((fl["result"] != "answered").sum()),
            "late refused": int((lt["result"] == "refused").sum()), "late total": len(lt),
            "last answer (ms)": round(fl.loc[fl["result"] == "answered", "ended_s"].max() * 1000, 1)
            if (fl["result"] == "answered").any() else None,
            "exit after (ms)": round(df.attrs["exit_s"] * 1000, 1),
            "last line": _last_line(o.output),
        })
    return pd.DataFrame(rows)


def _last_line(output):
    lines = [ln for ln in output.strip().splitlines() if not ln.startswith("STAMP ")]
    return lines[-1] if lines else ""


def scenario_table(scenarios=SCENARIOS, *, scenario_titles=None, **kw):
    """Run every scenario once (or those whose titles are listed); returns (summary, runs).

    kw goes to run_scenario. The summary's attrs["runs"] holds the runs too.
    """
    if scenario_titles is not None:
        known = {sc.title: sc for sc in scenarios}
        missing = [t for t in scenario_titles if t not in known]
        if missing:
            raise KeyError(f"no shutdown scenario {missing}; known: {list(known)}")
        scenarios = [known[t] for t in scenario_titles]
    runs = [run_scenario(sc, **kw) for sc in scenarios]
    summary = summarize(runs)
    summary.attrs["runs"] = runs
    return summary, runs


@figure
def plot_requests(runs):
    """One panel per run: each request as a bar from sent to answered/refused/cut; the signal at 0."""
    fig, axes = plt.subplots(len(runs), 1, sharex=True, squeeze=False, figsize=(9, 1.2 + 1.25 * len(runs)))
    for ax, df in zip(axes[:, 0], runs):
        for y, r in enumerate(df.itertuples()):
            colour = RESULTS.get(r.result, "black")
            ax.plot([r.sent_s, r.ended_s], [y, y], color=colour, lw=3, solid_capstyle="butt")
            if r.ended_s - r.sent_s < 0.02:  # answered at once (refused, cut): a bar too short to see
                ax.plot([r.ended_s], [y], marker="o", ms=5, color=colour)
        ax.axvline(0, color="black", lw=1, ls="--")
        ax.axvline(df.attrs["exit_s"], color="tab:purple", lw=1)
        ax.set_yticks([])
        ax.set_title(f"{df.attrs['scenario'].title}: {df.attrs['outcome'].how}", fontsize="medium", loc="left")
    axes[-1, 0].set_xlabel("seconds from the (first) signal; dashed: signal, purple: process gone")
    handles = [plt.Line2D([], [], color=c, lw=3, label=k) for k, c in RESULTS.items()]
    fig.legend(handles=handles, loc="upper center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
