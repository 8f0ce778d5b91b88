"""Entry points as PID 1, compared: what Ctrl+C, kill -INT and kill -TERM do to each.

`pid1_table()` runs every entry point (a Go program alone, a shell script in front,
a tiny init in front) as PID 1 of a new PID namespace and sends each signal;
`die_from_signal_fallback()` reads how the runtime exits when a re-raised signal
did not kill it, and `fallback_by_release()` runs that case on every course release.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import samples, toolchain
from .container import dispositions, start_pid1
from .errors import SigcampError

SHELL_LOOP = 'echo READY; while :; do sleep 0.1; done'
SHELL_RUNS = 'echo "entrypoint.sh: starting $1"; "$1"; echo "entrypoint.sh: it ended with $?"'
SHELL_EXECS = 'echo "entrypoint.sh: starting $1"; exec "$1"'
SENDS = ("ctrl-c", "SIGINT", "SIGTERM")
SENT_TEXT = {"ctrl-c": "tty ^C (whole foreground group)", "SIGINT": "kill -INT PID 1 from outside",
             "SIGTERM": "kill -TERM PID 1 from outside"}
ENDED = "ended"  # the column every PID 1 table reports the outcome in (Outcome.how: "exit 130", "survived", ...)


@dataclass(frozen=True)
class Entry:
    """One way to start a container's main process."""

    key: str
    title: str
    program: str  # a sample name or an executable
    args: tuple = ()


def entries(keys=None):
    """The entry points pid1_table compares (those named by `keys`, default all): Go alone, a shell
    script in front, an init in front."""
    sh = f"/bin/sh ({Path('/bin/sh').resolve().name})"

    def built(name):
        return str(samples.build(name))

    makers = {
        "c": lambda: Entry("c", "C, no handler at all (c-no-handler)", "c-no-handler"),
        "go": lambda: Entry("go", "Go, no Notify (article-sleep-loop)", "article-sleep-loop"),
        "notify": lambda: Entry("notify", "Go, Notify then exit 130 (notify-exit)", "notify-exit"),
        "ignore": lambda: Entry("ignore", "Go, signal.Ignore(os.Interrupt) (signal-ignore)", "signal-ignore"),
        "sh-loop": lambda: Entry("sh-loop", f"{sh} script, a loop of sleep", "/bin/sh", ("-c", SHELL_LOOP)),
        "sh-runs": lambda: Entry("sh-runs", f"{sh} script starts notify-exit (no exec)", "/bin/sh",
                                 ("-c", SHELL_RUNS, "sh", built("notify-exit"))),
        "sh-execs": lambda: Entry("sh-execs", f"{sh} script execs notify-exit", "/bin/sh",
                                  ("-c", SHELL_EXECS, "sh", built("notify-exit"))),
        "init": lambda: Entry("init", "tiny-init in front of article-sleep-loop", "tiny-init",
                              (built("article-sleep-loop"),)),
    }
    unknown = set(keys or ()) - set(makers)
    if unknown:
        raise ValueError(f"unknown entry points {sorted(unknown)}: use some of {', '.join(makers)}")
    return tuple(makers[k]() for k in (keys or makers))


def entry(key):
    """The Entry called `key`."""
    return entries((key,))[0]


def run_pid1(entry, send, *, wait=0.5):
    """One run of an Entry as PID 1: send "ctrl-c" (the PTY) or a signal name (kill(2) to PID 1 only).

    Returns a dict: entry, entry point (PID 1), sent, PID 1 is (its PIDs), PID 1's SIGINT, SIGTERM
    (dispositions), ended (Outcome.how: "survived" when it still ran `wait` s later), shell shows, output.
    """
    with start_pid1(entry.program, args=entry.args) as ns:
        actions = dispositions(ns.init_pid)
        if send == "ctrl-c":
            ns.ctrl_c()
        else:
            ns.kill_init(send)
        outcome = ns.wait(wait)
    return {"entry": entry.key, "entry point (PID 1)": entry.title, "sent": SENT_TEXT.get(send, send),
            "PID 1 is": f"pid {ns.nspid[0]} here, {ns.nspid[-1]} inside",
            "PID 1's SIGINT, SIGTERM": actions, ENDED: outcome.how,
            "shell shows": "" if outcome.shell_status is None else str(outcome.shell_status),
            "output": _readable(outcome.transcript)}


def _readable(text):
    """A program's output with the course's build paths and hashes shortened to the sample's name."""
    text = re.sub(re.escape(str(toolchain.BUILD)) + r"/bin/([\w-]+?)-[0-9a-f]{12}\b", r"\1", text)
    return text.strip()


def pid1_table(*, keys=None, sends=SENDS, wait=0.5):
    """Every entry point (or those in `keys`) as PID 1, with each way of sending; one row per run."""
    return pd.DataFrame([run_pid1(e, s, wait=wait) for e in entries(keys) for s in sends])


def pid1_matrix(table):
    """pid1_table as a grid: one row per entry point, its dispositions, one column per way of sending."""
    grid = table.pivot(index="entry point (PID 1)", columns="sent", values=ENDED).reindex(
        list(dict.fromkeys(table["entry point (PID 1)"])))[list(dict.fromkeys(table["sent"]))]
    actions = table.groupby("entry point (PID 1)")["PID 1's SIGINT, SIGTERM"].first()
    grid.insert(0, "PID 1's SIGINT, SIGTERM", actions.reindex(grid.index))
    grid.columns.name = None
    return grid.reset_index()


def outcome(table, key, send):
    """What `ended` says for entry point `key` sent `send` ("ctrl-c", "SIGINT", "SIGTERM"); KeyError if not run."""
    rows = table[(table["entry"] == key) & (table["sent"] == SENT_TEXT[send])]
    if rows.empty:
        raise KeyError(f"the PID 1 table has no run of {key!r} with {send}")
    return rows.iloc[0][ENDED]


# --- the runtime's last resort, per release -------------------------------------------------


def die_from_signal_fallback():
    """What the runtime in use does in dieFromSignal when the re-raised signal did not kill it.

    Returns a dict: go (version), where (file:line), text (the exit call), status
    (the exit status a SIGINT leads to: 2, or 128 + 2 with `exit(128 + int32(sig))`).
    """
    go = toolchain.go()
    path = go.goroot / "src" / "runtime" / "signal_unix.go"
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("func dieFromSignal("))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    found = [(i + 1, lines[i].strip()) for i in range(start, end) if re.match(r"\s*exit\(", lines[i])]
    if not found:
        raise SigcampError(f"no exit( call in dieFromSignal in {path}: update die_from_signal_fallback")
    line, text = found[-1]
    arg = text[len("exit("):-1]
    status = int(arg) if arg.isdigit() else 128 + 2 if "sig" in arg else None
    return {"go": go.version_text, "where": f"runtime/signal_unix.go:{line}", "text": text, "status": status}


def fallback_by_release(releases=None, *, sends=("ctrl-c",)):
    """The Go program without Notify as PID 1, on every release the course runs on (toolchain.course_versions()).

    One row per release and send: Go, dieFromSignal ends in (read in that release's GOROOT),
    sent, ended (measured), shell shows.
    """
    rows = []
    for spec in releases if releases is not None else toolchain.course_versions():
        with toolchain.using(spec):
            source = die_from_signal_fallback()
            for send in sends:
                run = run_pid1(entry("go"), send)
                rows.append({"Go": source["go"], "dieFromSignal ends in": f"{source['text']} ({source['where']})",
                             "sent": run["sent"], ENDED: run[ENDED], "shell shows": run["shell shows"]})
    return pd.DataFrame(rows)
