"""PID 1 under strace: the runtime's re-raises, and the chain a signal travels through an init.

`reraise_trace()` watches a Go program without Notify take one Ctrl+C, as PID 1 of
a namespace and as an ordinary process, and says for each SIGINT whether Go's
handler ran, the default action killed, or the kernel dropped it.
`forwarding_chain()` watches every process of a namespace while one signal goes in,
and `chain_diagram()` draws what each process did with it.
"""

import re
import textwrap
import time
from pathlib import Path

import pandas as pd

from . import diagrams, session
from .container import dispositions, processes, start_pid1
from .figures import figure
from .pid1 import SENT_TEXT, entry
from .strace_attach import Attached

RERAISE_CALLS = ("rt_sigaction", "rt_sigprocmask", "tgkill", "sched_yield", "exit_group")
GO_HANDLER = "Go's handler"
ORIGIN = {"SI_KERNEL": "from the terminal: si_code SI_KERNEL", "SI_TKILL": "a raise: si_code SI_TKILL",
          "SI_USER": "kill(2) from a process: si_code SI_USER"}


def _program_events(events, signame="SIGINT"):
    """The events of the thread that took the first `signame`, from that delivery on, plus the end."""
    first = events[(events.call == "delivered") & (events.signal == signame)]
    if first.empty:
        return events.iloc[0:0]
    tid, start = first.iloc[0]["tid"], first.index[0]
    mine = events.loc[start:]
    keep = (mine.tid == tid) & (mine.call != "delivered") | (mine.call == "delivered") & (mine.signal == signame)
    mine = mine[keep & ~((mine.call == "rt_sigprocmask") & mine["mask"].apply(lambda m: signame not in (m or ())))]
    mine = mine[~((mine.call == "rt_sigaction") & (mine.signal != signame))]
    mine = mine[~((mine.call == "tgkill") & (mine.signal != signame))]
    ends = events[events.call.isin(("exited", "killed"))].head(1)
    return pd.concat([mine[~mine.call.isin(("exited", "killed"))], ends])


def explain(events, *, pid1, signame="SIGINT"):
    """One row per event of _program_events, with what it means: the disposition in force when
    each SIGINT came (followed through the rt_sigaction calls seen) and what became of it."""
    disposition, rows, seen = GO_HANDLER, [], 0
    for _, ev in events.iterrows():
        call = ev["call"]
        if call == "delivered":
            seen += 1
            origin = ORIGIN.get(ev["flags"], ev["flags"])
            if disposition == GO_HANDLER:
                meaning = "runs Go's handler (runtime.sighandler; no Notify: runtime.dieFromSignal)"
            elif pid1:
                meaning = "default action, PID 1 of its namespace: the kernel drops it, the program goes on"
            else:
                meaning = "default action: it kills the program"
            what = f"{signame} #{seen} arrives ({origin})"
        elif call == "rt_sigaction":
            disposition = "default" if ev["handler"] == "SIG_DFL" else GO_HANDLER if ev["handler"] else disposition
            what, meaning = f"rt_sigaction({signame}, {ev['handler']})", \
                "the runtime's setsig: SIGINT back to the default action" if ev["handler"] == "SIG_DFL" else ""
        elif call == "rt_sigprocmask":
            what = f"rt_sigprocmask({ev['flags']}, {signame})"
            meaning = "unblocksig: SIGINT is blocked while its handler runs; unblock it so the raise can arrive"
        elif call == "tgkill":
            what, meaning = f"tgkill(self, {signame})", "raise: the runtime sends SIGINT to its own thread"
        elif call == "sched_yield":
            what, meaning = "sched_yield()", "osyield: give the signal a chance to kill it"
        elif call == "exit_group":
            what, meaning = ev["raw"].split("=")[0].strip(), "still alive: dieFromSignal's last resort"
        elif call == "killed":
            what, meaning = f"killed by {ev['signal']}", "the default action ended it"
        elif call == "exited":
            what, meaning = f"the process exited with status {ev['result']}", ""
        else:
            what, meaning = ev["raw"], ""
        rows.append({"thread": "" if pd.isna(ev["tid"]) else int(ev["tid"]), "event": what, "what it means": meaning})
    return pd.DataFrame(rows, columns=["thread", "event", "what it means"])


def _collapse(df):
    """Consecutive identical events (sched_yield x3) as one row with a count."""
    out = []
    for row in df.to_dict("records"):
        if out and out[-1]["event"] == row["event"] and row["event"] == "sched_yield()":
            out[-1]["times"] += 1
        else:
            out.append({**row, "times": 1})
    return pd.DataFrame(out, columns=["thread", "event", "times", "what it means"])


def reraise_trace(program="article-sleep-loop", *, pid1=True, wait=3.0):
    """Ctrl+C to a Go program without Notify, under strace (attached once it is READY).

    pid1: run it as PID 1 of a new namespace, else as an ordinary process on a PTY.
    Returns explain()'s table (repeated sched_yield rows collapsed into `times`);
    attrs: ended (how it ended), events (the raw strace events), deliveries (how many SIGINT came).
    """
    if pid1:
        with start_pid1(program) as ns:
            with Attached(ns.init_pid, calls=RERAISE_CALLS, signals="all") as watch:
                ns.ctrl_c()
                outcome = ns.wait(wait)
    else:
        with session.start(program) as prog:
            with Attached(prog.pid, calls=RERAISE_CALLS, signals="all") as watch:
                prog.ctrl_c()
                outcome = prog.wait(wait)
    events = _program_events(watch.events)
    table = _collapse(explain(events, pid1=pid1))
    table.attrs.update(ended=outcome.how, events=watch.events,
                       deliveries=int((events.call == "delivered").sum()))
    return table


def reraise_summary(traces):
    """{label: reraise_trace table} as one row each: SIGINTs seen, how many ran Go's handler, were dropped, ended."""
    rows = []
    for label, t in traces.items():
        means = t["what it means"]
        rows.append({"run": label, "SIGINT deliveries": t.attrs["deliveries"],
                     "ran Go's handler": int(means.str.startswith("runs Go's handler").sum()),
                     "dropped by the kernel": int(means.str.contains("drops it").sum()),
                     "raises (tgkill)": int(t.loc[t.event.str.startswith("tgkill"), "times"].sum()),
                     "ended": t.attrs["ended"]})
    return pd.DataFrame(rows)


# --- the forwarding chain --------------------------------------------------------------

CHAIN_CALLS = ("kill", "tgkill", "rt_sigtimedwait", "wait4", "exit_group")
DISPOSITION_TEXT = {"caught": "a handler", "ignored": "ignored", "default": "the default action",
                    "sigtimedwait": "blocked, taken with sigtimedwait"}


def forwarding_chain(key="init", send="SIGINT", *, wait=1.5):
    """Entry point `key` (see pid1.entries) as PID 1; strace on every process of its namespace
    while `send` ("ctrl-c" or a signal name, kill(2) to PID 1 from outside) goes in.

    One row per process (PID 1 first): pid inside, parent inside, command, its SIG (disposition), got
    (what reached it, and from whom), did (the signals it sent on, how it ended). attrs: sent, ended
    (how the namespace ended, seen from here), entry, shell_status.
    """
    e = entry(key)
    with start_pid1(e.program, args=e.args) as ns:
        time.sleep(0.1)  # a shell entry point starts its child after READY
        procs = processes(ns.init_pid)
        signame = "SIGINT" if send == "ctrl-c" else send
        actions = {pid: dispositions(pid, (signame,)) for pid in procs["pid here"]}
        with Attached(list(procs["pid here"]), calls=CHAIN_CALLS, signals="all") as watch:
            owners = _thread_owners(procs["pid here"])
            for pid, how in actions.items():  # an init in sigtimedwait: see it enter its next wait first
                if how == "sigtimedwait":
                    watch.wait_for(rf"^{pid} rt_sigtimedwait\(", timeout=1.5)
            if send == "ctrl-c":
                ns.ctrl_c()
            else:
                ns.kill_init(send)
            deadline = time.monotonic() + wait
            while ns.running.alive() and time.monotonic() < deadline:
                time.sleep(0.02)
            watch.stop(settle=0.05)  # before the namespace is killed, if it still runs
        outcome = ns.wait(0.1)
    inside = dict(zip(procs["pid here"], procs["pid inside"]))
    rows = []
    for host, pid in inside.items():
        ev = watch.events[watch.events.tid.map(lambda t: owners.get(t)) == host]
        proc = procs[procs["pid here"] == host].iloc[0]
        rows.append({"pid inside": pid, "parent inside": int(proc["parent inside"]), "command": _short(proc["command"]),
                     f"its {signame}": actions[host], "got": _got(ev), "did": _did(ev, inside)})
    df = pd.DataFrame(rows)
    df.attrs.update(sent=SENT_TEXT.get(send, send), ended=outcome.how, entry=e.title,
                    shell_status=outcome.shell_status)
    return df


def _thread_owners(pids):
    """{tid: pid} for every thread of the processes `pids` now."""
    owners = {}
    for pid in pids:
        try:
            owners.update({int(t.name): pid for t in Path(f"/proc/{pid}/task").iterdir()})
        except OSError:
            pass
    return owners


def _short(cmd, width=48):
    """A command line as a reader wants it: base names, without the build's hash suffix, cut at `width`."""
    parts = [re.sub(r"-[0-9a-f]{12}$", "", p.rsplit("/", 1)[-1]) if p.startswith("/") else p for p in cmd.split()]
    text = " ".join(parts)
    return text if len(text) <= width else text[:width - 1] + "…"


def _got(events):
    got = []
    for _, ev in events.iterrows():
        if ev["call"] == "delivered" and ev["signal"] not in ("SIGURG", "SIGCHLD"):
            got.append(f"{ev['signal']} ({_origin(ev)})")
        elif ev["call"] == "rt_sigtimedwait" and pd.notna(ev["signal"]) and ev["signal"]:
            got.append(f"{ev['signal']} ({_origin(ev)}, taken with sigtimedwait)" if ev["signal"] != "SIGCHLD" else
                       "SIGCHLD (its child ended)")
    return "; ".join(dict.fromkeys(got)) or "nothing"


def _origin(ev):
    """Who sent a signal, from the si_code and si_pid strace shows (si_pid 0: a sender outside the namespace)."""
    raw = ev["raw"] or ""
    code = re.search(r"si_code=(\w+)", raw)
    code = code.group(1) if code else ev["flags"]
    sender = re.search(r"si_pid=(\d+)", raw)
    if code == "SI_USER" and sender:
        return "kill(2) from outside its namespace" if sender.group(1) == "0" else f"kill(2) from pid {sender.group(1)}"
    return ORIGIN.get(code, code or "").split(":")[0]


def _did(events, inside):
    did = []
    for _, ev in events.iterrows():
        if ev["call"] == "kill" and ev["signal"]:
            target = int(ev["target"])
            whom = f"pid {inside.get(target, target)}" if target > 0 else f"group {-target}"
            did.append(f"kill({whom}, {ev['signal']})")
        elif ev["call"] == "tgkill" and ev["signal"] not in (None, "SIGURG"):
            did.append(f"tgkill(itself, {ev['signal']})")
        elif ev["call"] == "exit_group":
            did.append(ev["raw"].split("=")[0].strip())
        elif ev["call"] == "killed":
            did.append(f"killed by {ev['signal']}")
    return "; ".join(dict.fromkeys(did)) or "nothing"


def forwarding_chains(keys=("go", "sh-runs", "init"), send="SIGINT"):
    """forwarding_chain for each entry point; {entry title: its table}."""
    chains = {}
    for key in keys:
        df = forwarding_chain(key, send)
        chains[df.attrs["entry"]] = df
    return chains


def _wrapped(text, width=32):
    """A long label line as several, broken at spaces (graphviz does not wrap)."""
    return textwrap.wrap(text, width, subsequent_indent="  ") or [""]


FROM_OUTSIDE = ("from the terminal", "from outside its namespace")


@figure
def chain_diagram(chains):
    """The path of one signal into each namespace, drawn from forwarding_chain tables: the sender and
    an arrow to each process that got the signal from it, each process (its disposition, what reached
    it, what it did), an arrow for each kill(2) one sent to another (a dashed one where PID 1 passed
    nothing to a child that got nothing), and the status seen from outside."""
    g = diagrams.graph("Where the signal went: one namespace per run (strace on every process)", direction="TB")
    g.attr(nodesep="0.3", ranksep="0.35", size="11,30")  # at most 11 inches wide: the width of a page
    for n, (title, df) in enumerate(chains.items()):
        with g.subgraph(name=f"cluster_{n}") as c:
            c.attr(label=title, style="rounded", color="#8899aa", fontname=diagrams.FONT)
            sender, node = f"s{n}", lambda pid: f"p{n}_{pid}"
            c.node(sender, diagrams.label(*_wrapped(df.attrs["sent"])), shape="note", fillcolor="#fff4d6")
            signame = next(k for k in df.columns if k.startswith("its SIG"))[4:]
            forwarded = set()
            for row in df.to_dict("records"):
                pid = row["pid inside"]
                handling = row[f"its {signame}"]
                c.node(node(pid), diagrams.label(*_wrapped(f"PID {pid}: {row['command']}"),
                                                 *_wrapped(f"disposition: {DISPOSITION_TEXT.get(handling, handling)}"),
                                                 *_wrapped(f"got: {row['got']}"), *_wrapped(f"did: {row['did']}")),
                       fillcolor="#f2f2f2" if row["got"] == "nothing" else "#eef3fb")
                if any(item.startswith(signame) and any(o in item for o in FROM_OUTSIDE)
                       for item in row["got"].split("; ")):
                    c.edge(sender, node(pid), label=signame)
                for target, sig in re.findall(r"kill\(pid (\d+), (SIG\w+)\)", row["did"]):
                    c.edge(node(pid), node(int(target)), label=f"forwards {sig}")
                    forwarded.add(int(target))
            for row in df.to_dict("records"):
                if row["got"] == "nothing" and row["pid inside"] not in forwarded and row["parent inside"]:
                    c.edge(node(row["parent inside"]), node(row["pid inside"]), label="passes nothing on",
                           style="dashed")
            end, status = f"e{n}", df.attrs["shell_status"]
            c.node(end, diagrams.label(f"seen from outside: {df.attrs['ended']}",
                                       "" if status is None else f"(a shell shows {status})"),
                   shape="oval", fillcolor="#e8f5e9" if status is not None else "#fdecea")
            last = df["pid inside"].iloc[-1]
            if last != 1:
                c.edge(node(last), end, style="invis")  # below the last process: each namespace is one column
            c.edge(node(1), end, label="" if status is None else "its exit status",
                   constraint="false" if last != 1 else "true")
    return g
