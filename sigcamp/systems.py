"""Chapter 5: reading the Go source of the toolchain in use, for what the chapter cannot run (Windows).

The live experiments live in `dumps`, `shutdown`, `supervisor`, `eintr`,
`epoll_loop`, `namespaces`, `memlimit` and `unknown_signals`; the article's
claims and their judges in `claims/ch5.py`.
"""

import re
import socket

import pandas as pd

from . import toolchain

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
    df = pd.DataFrame(rows, columns=["file", "line", "match", "in_function", "text"])
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
            rows.append({"event": event, "value": values.get(event), "os/signal delivers": case.group(2),
                         "as": "os.Interrupt" if case.group(2) == "SIGINT" else "syscall.SIGTERM"})
    blocks = "block()" in body
    sends = sum(len(re.findall(r"\bsigsend\(", f.read_text())) for f in
                (toolchain.go().goroot / "src" / "runtime").glob("*windows*.go") if not f.name.endswith("_test.go"))
    df = pd.DataFrame(rows)
    df["after the handler returns"] = df["os/signal delivers"].map(
        {"SIGINT": "if Notify'd: the program goes on; if not, the next handler (the default) ends it",
         "SIGTERM": "Windows ends the process; the runtime blocks the handler so Go code can clean up first"
         if blocks else "Windows ends the process"})
    df.attrs.update(source=body, **{"sigsend calls": sends})
    return df


def peer_pid_options():
    """Which peer-credential socket options exist on this system (Python's socket module and Go's syscall)."""
    go = source_lines("syscall/zerrors_linux_amd64.go", r"\bSO_(PEER|PASS)\w*\s*=")
    go_names = {re.search(r"(SO_\w+)", t).group(1) for t in go["text"]}
    rows = []
    for name in ("SO_PEERPID", "SO_PEERCRED", "SO_PASSCRED", "SO_PEERSEC"):
        rows.append({"option": name, "Python socket": hasattr(socket, name),
                     "Go syscall (linux/amd64)": name in go_names})
    return pd.DataFrame(rows)
