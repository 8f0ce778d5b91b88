"""Chapter 5: reading the Go source of the toolchain in use, for what the chapter cannot run (Windows).

The live experiments live in `dumps`, `shutdown`, `supervisor`, `eintr`,
`epoll_loop`, `namespaces`, `memlimit` and `unknown_signals`; the article's
claims and their judges in `claims/ch5.py`.
"""

import re
import socket

import pandas as pd

from . import display, toolchain
from . import i18n
from .i18n import N_, _

_FUNC = re.compile(r"^func (?:\([^)]*\) )?(\w+)")


def source_lines(path, pattern, *, after=0):
    """Lines of $GOROOT/src/`path` matching the regular expression, with `after` lines following each.

    One row per line: file, line, in_function, text (tabs expanded); with after > 0 a `match` column
    says which matching line each row follows.
    """
    full = toolchain.go().goroot / "src" / path
    if not full.is_file():
        raise FileNotFoundError(f"{full} does not exist in the installed Go; is GOROOT complete?")
    lines = full.read_text(errors="replace").splitlines()
    funcs, current = [], ""
    for text in lines:
        m = _FUNC.match(text)
        current = m.group(1) if m else current
        funcs.append(current)
    rows, pat = [], re.compile(pattern)
    for i, text in enumerate(lines):
        if pat.search(text):
            for j in range(i, min(i + after + 1, len(lines))):
                rows.append({"file": path, "line": j + 1, "match": i + 1, "in_function": funcs[j],
                             "text": lines[j].expandtabs(4).rstrip()})
    df = pd.DataFrame(rows, columns=[N_("file"), N_("line"), N_("match"), N_("in_function"), N_("text")])
    df.attrs[display.VERBATIM] = ["file", "in_function", "text"]  # Go's own words: a function may be called `signal`
    return df if after else df.drop(columns="match")


def function_source(path, name, *, comment=False):
    """The full text of `func name(` in $GOROOT/src/`path`, up to its closing brace (with its doc comment)."""
    lines = (toolchain.go().goroot / "src" / path).read_text().splitlines()
    start = next((i for i, t in enumerate(lines) if re.match(rf"func (\([^)]*\) )?{re.escape(name)}[\[(]", t)), None)
    if start is None:
        raise LookupError(f"no func {name} in $GOROOT/src/{path}")
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    while comment and start > 0 and lines[start - 1].startswith("//"):
        start -= 1
    return "\n".join(lines[start:end + 1])


def windows_console_events():
    """How the installed runtime turns Windows console control events into signals (not run here).

    Read from ctrlHandler in runtime/os_windows.go and the constants in
    internal/runtime/syscall/windows: one row per event.
    """
    body = function_source("runtime/os_windows.go", "ctrlHandler")
    consts = source_lines("internal/runtime/syscall/windows/defs_windows.go", r"CTRL_\w+_EVENT\s*=")
    values = {m.group(1): int(m.group(2), 0) for m in
              (re.search(r"(CTRL_\w+_EVENT)\s*=\s*(\w+)", t) for t in consts["text"]) if m}
    rows = []
    for case in re.finditer(r"case ([^:]+):\s*\n\s*s = windows\.(SIG\w+)", body):
        for event in re.findall(r"windows\.(CTRL_\w+_EVENT)", case.group(1)):
            rows.append({N_("event"): event, N_("value"): values.get(event), N_("os/signal delivers"): case.group(2),
                         N_("as"): "os.Interrupt" if case.group(2) == "SIGINT" else "syscall.SIGTERM"})
    blocks = "block()" in body
    sends = sum(len(re.findall(r"\bsigsend\(", f.read_text())) for f in
                (toolchain.go().goroot / "src" / "runtime").glob("*windows*.go") if not f.name.endswith("_test.go"))
    df = pd.DataFrame(rows)
    df[N_("after the handler returns")] = df["os/signal delivers"].map(
        {"SIGINT": N_("if Notify'd: the program goes on; if not, the next handler (the default) ends it"),
         "SIGTERM": N_("Windows ends the process; the runtime blocks the handler so Go code can clean up first")
         if blocks else N_("Windows ends the process")})
    df.attrs.update(source=body, **{"sigsend calls": sends})
    return df


def peer_pid_options():
    """Which peer-credential socket options exist on this system (Python's socket module and Go's syscall)."""
    go = source_lines("syscall/zerrors_linux_amd64.go", r"\bSO_(PEER|PASS)\w*\s*=")
    go_names = {re.search(r"(SO_\w+)", t).group(1) for t in go["text"]}
    rows = []
    for name in ("SO_PEERPID", "SO_PEERCRED", "SO_PASSCRED", "SO_PEERSEC"):
        rows.append({N_("option"): name, N_("Python socket"): hasattr(socket, name),
                     N_("Go syscall (linux/amd64)"): name in go_names})
    return pd.DataFrame(rows)


def without_notify_caption(run):
    """The caption of the signal table beside a run of a program with no Notify: how a SIGUSR1 ended it."""
    return _("a Go program with no Notify, sent SIGUSR1: {ended}").format(ended=i18n.value(run.how))
