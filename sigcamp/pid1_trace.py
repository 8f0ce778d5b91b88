"""PID 1 under strace: the runtime's re-raises, and the chain a signal travels through an init.

`reraise_trace()` watches a Go program without Notify take one Ctrl+C, as PID 1 of
a namespace and as an ordinary process, and says for each SIGINT whether Go's
handler ran, the default action killed, or the kernel dropped it.
`forwarding_chain()` watches every process of a namespace while one signal goes in,
and `chain_diagram()` draws what each process did with it.
"""

import re
import time
from pathlib import Path

import pandas as pd

from . import diagrams, i18n, session
from .container import dispositions, processes, start_pid1
from .figures import figure
from .i18n import N_, _
from .pid1 import SENT_TEXT, entry
from .session import KILLED_BY
from .strace_attach import Attached
from .wrapping import wrap

RERAISE_CALLS = ("rt_sigaction", "rt_sigprocmask", "tgkill", "sched_yield", "exit_group")
GO_HANDLER = "Go's handler"
SIGNAL = r"SIG[A-Z0-9]+"
# Who sent a signal (strace's si_code), with the si_code itself: "from the terminal: si_code SI_KERNEL".
SI_CODE = i18n.pattern(N_("{origin}: si_code {code}"), code=r"SI_\w+")
ORIGIN = {"SI_KERNEL": SI_CODE.format(origin=N_("from the terminal"), code="SI_KERNEL"),
          "SI_TKILL": SI_CODE.format(origin=N_("a raise"), code="SI_TKILL"),
          "SI_USER": SI_CODE.format(origin=N_("kill(2) from a process"), code="SI_USER")}
# What each event of explain() means (reraise_summary counts them by these words).
RUNS_GO_HANDLER = N_("runs Go's handler (runtime.sighandler; no Notify: runtime.dieFromSignal)")
DROPPED_AS_PID1 = N_("default action, PID 1 of its namespace: the kernel drops it, the program goes on")
DEFAULT_KILLS = N_("default action: it kills the program")
SETSIG_DEFAULT = N_("the runtime's setsig: SIGINT back to the default action")
UNBLOCKSIG = N_("unblocksig: SIGINT is blocked while its handler runs; unblock it so the raise can arrive")
RAISE = N_("raise: the runtime sends SIGINT to its own thread")
OSYIELD = N_("osyield: give the signal a chance to kill it")
LAST_RESORT = N_("still alive: dieFromSignal's last resort")
DEFAULT_ENDED = N_("the default action ended it")
ARRIVES = i18n.pattern(N_("{signal} #{n} arrives ({origin})"), signal=SIGNAL, n=r"\d+")
EXITED_WITH = i18n.pattern(N_("the process exited with status {status}"))
TGKILL_SELF = i18n.pattern(N_("tgkill(self, {signal})"), signal=SIGNAL)
# The labels chapter 4 gives its two reraise_trace runs.
RUN_LABELS = (N_("PID 1 of its namespace"), N_("an ordinary process"))
COLUMNS = (N_("thread"), N_("event"), N_("times"), N_("what it means"), N_("run"), N_("SIGINT deliveries"),
           N_("ran Go's handler"), N_("dropped by the kernel"), N_("raises (tgkill)"), N_("ended"))


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
                meaning = RUNS_GO_HANDLER
            elif pid1:
                meaning = DROPPED_AS_PID1
            else:
                meaning = DEFAULT_KILLS
            what = ARRIVES.format(signal=signame, n=seen, origin=origin)
        elif call == "rt_sigaction":
            disposition = "default" if ev["handler"] == "SIG_DFL" else GO_HANDLER if ev["handler"] else disposition
            what, meaning = f"rt_sigaction({signame}, {ev['handler']})", \
                SETSIG_DEFAULT if ev["handler"] == "SIG_DFL" else ""
        elif call == "rt_sigprocmask":
            what = f"rt_sigprocmask({ev['flags']}, {signame})"
            meaning = UNBLOCKSIG
        elif call == "tgkill":
            what, meaning = TGKILL_SELF.format(signal=signame), RAISE
        elif call == "sched_yield":
            what, meaning = "sched_yield()", OSYIELD
        elif call == "exit_group":
            what, meaning = ev["raw"].split("=")[0].strip(), LAST_RESORT
        elif call == "killed":
            what, meaning = KILLED_BY.format(signal=ev["signal"]), DEFAULT_ENDED
        elif call == "exited":
            what, meaning = EXITED_WITH.format(status=ev["result"]), ""
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
                     "ran Go's handler": int((means == RUNS_GO_HANDLER).sum()),
                     "dropped by the kernel": int((means == DROPPED_AS_PID1).sum()),
                     "raises (tgkill)": int(t.loc[t.event.str.startswith("tgkill"), "times"].sum()),
                     "ended": t.attrs["ended"]})
    return pd.DataFrame(rows)


# --- the forwarding chain --------------------------------------------------------------

CHAIN_CALLS = ("kill", "tgkill", "rt_sigtimedwait", "wait4", "exit_group")
DISPOSITION_TEXT = {"caught": N_("a handler"), "ignored": N_("ignored"), "default": N_("the default action"),
                    "sigtimedwait": N_("blocked, taken with sigtimedwait")}
NOTHING, CHILD_ENDED = N_("nothing"), N_("SIGCHLD (its child ended)")
FROM_OUTSIDE_NS = N_("kill(2) from outside its namespace")
FROM_PID = i18n.pattern(N_("kill(2) from pid {pid}"), pid=r"\d+")
GOT = i18n.pattern(N_("{signal} ({origin})"), signal=SIGNAL)
TAKEN = i18n.pattern(N_("{signal} ({origin}, taken with sigtimedwait)"), signal=SIGNAL)
TGKILL_ITSELF = i18n.pattern(N_("tgkill(itself, {signal})"), signal=SIGNAL)
CHAIN_COLUMNS = (N_("got"), N_("did"), i18n.pattern(N_("its {signal}"), signal=SIGNAL))


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
            got.append(GOT.format(signal=ev["signal"], origin=_origin(ev)))
        elif ev["call"] == "rt_sigtimedwait" and pd.notna(ev["signal"]) and ev["signal"]:
            got.append(TAKEN.format(signal=ev["signal"], origin=_origin(ev)) if ev["signal"] != "SIGCHLD" else
                       CHILD_ENDED)
    return "; ".join(dict.fromkeys(got)) or NOTHING


def _origin(ev):
    """Who sent a signal, from the si_code and si_pid strace shows (si_pid 0: a sender outside the namespace)."""
    raw = ev["raw"] or ""
    code = re.search(r"si_code=(\w+)", raw)
    code = code.group(1) if code else ev["flags"]
    sender = re.search(r"si_pid=(\d+)", raw)
    if code == "SI_USER" and sender:
        return FROM_OUTSIDE_NS if sender.group(1) == "0" else FROM_PID.format(pid=sender.group(1))
    return ORIGIN.get(code, code or "").split(":")[0]


def _did(events, inside):
    did = []
    for _, ev in events.iterrows():
        if ev["call"] == "kill" and ev["signal"]:
            target = int(ev["target"])
            whom = f"pid {inside.get(target, target)}" if target > 0 else f"group {-target}"
            did.append(f"kill({whom}, {ev['signal']})")
        elif ev["call"] == "tgkill" and ev["signal"] not in (None, "SIGURG"):
            did.append(TGKILL_ITSELF.format(signal=ev["signal"]))
        elif ev["call"] == "exit_group":
            did.append(ev["raw"].split("=")[0].strip())
        elif ev["call"] == "killed":
            did.append(KILLED_BY.format(signal=ev["signal"]))
    return "; ".join(dict.fromkeys(did)) or NOTHING


def forwarding_chains(keys=("go", "sh-runs", "init"), send="SIGINT"):
    """forwarding_chain for each entry point; {entry title: its table}."""
    chains = {}
    for key in keys:
        df = forwarding_chain(key, send)
        chains[df.attrs["entry"]] = df
    return chains


def _wrapped(text, width=32):
    """A long label line as several, broken at spaces or between Chinese characters (graphviz does not wrap)."""
    return wrap(text, width, indent="  ")


FROM_OUTSIDE = ("from the terminal", "from outside its namespace")


@figure
def chain_diagram(chains):
    """The path of one signal into each namespace, drawn from forwarding_chain tables: the sender and
    an arrow to each process that got the signal from it, each process (its disposition, what reached
    it, what it did), an arrow for each kill(2) one sent to another (a dashed one where PID 1 passed
    nothing to a child that got nothing), and the status seen from outside."""
    g = diagrams.graph(_("Where the signal went: one namespace per run (strace on every process)"), direction="TB")
    g.attr(nodesep="0.3", ranksep="0.35", size="11,30")  # at most 11 inches wide: the width of a page
    for n, (title, df) in enumerate(chains.items()):
        with g.subgraph(name=f"cluster_{n}") as c:
            c.attr(label=i18n.value(title), style="rounded", color="#8899aa", fontname=diagrams.FONT)
            sender, node = f"s{n}", lambda pid: f"p{n}_{pid}"
            c.node(sender, diagrams.label(*_wrapped(i18n.value(df.attrs["sent"]))), shape="note", fillcolor="#fff4d6")
            signame = next(k for k in df.columns if k.startswith("its SIG"))[4:]
            forwarded = set()
            for row in df.to_dict("records"):
                pid = row["pid inside"]
                handling = row[f"its {signame}"]
                shown = {"pid": pid, "command": row["command"], "got": i18n.value(row["got"]),
                         "did": i18n.value(row["did"]), "disposition": _(DISPOSITION_TEXT.get(handling, handling))}
                c.node(node(pid), diagrams.label(*_wrapped(_("PID {pid}: {command}").format(**shown)),
                                                 *_wrapped(_("disposition: {disposition}").format(**shown)),
                                                 *_wrapped(_("got: {got}").format(**shown)),
                                                 *_wrapped(_("did: {did}").format(**shown))),
                       fillcolor="#f2f2f2" if row["got"] == "nothing" else "#eef3fb")
                if any(item.startswith(signame) and any(o in item for o in FROM_OUTSIDE)
                       for item in row["got"].split("; ")):
                    c.edge(sender, node(pid), label=signame)
                for target, sig in re.findall(r"kill\(pid (\d+), (SIG\w+)\)", row["did"]):
                    c.edge(node(pid), node(int(target)), label=_("forwards {signal}").format(signal=sig))
                    forwarded.add(int(target))
            for row in df.to_dict("records"):
                if row["got"] == "nothing" and row["pid inside"] not in forwarded and row["parent inside"]:
                    c.edge(node(row["parent inside"]), node(row["pid inside"]), label=_("passes nothing on"),
                           style="dashed")
            end, status = f"e{n}", df.attrs["shell_status"]
            c.node(end, diagrams.label(_("seen from outside: {ended}").format(ended=i18n.value(df.attrs["ended"])),
                                       "" if status is None else _("(a shell shows {status})").format(status=status)),
                   shape="oval", fillcolor="#e8f5e9" if status is not None else "#fdecea")
            last = df["pid inside"].iloc[-1]
            if last != 1:
                c.edge(node(last), end, style="invis")  # below the last process: each namespace is one column
            c.edge(node(1), end, label="" if status is None else _("its exit status"),
                   constraint="false" if last != 1 else "true")
    return g
