"""The runtime's own table of signals, read from the source of the Go in use.

`table()` is runtime/sigtab_linux_generic.go as a DataFrame: each signal's
flags (`_SigNotify`, `_SigSetStack`, ...) and the runtime's comment on it.
`decision()` follows `initsig` and `sigInstallGoHandler` (runtime/signal_unix.go)
to say whether the runtime installs its handler for a signal, and why, in the
words of the source's own comments, so a reason can never drift from the runtime.
"""

import re
from functools import cache

import pandas as pd

from . import procfs, toolchain

_ROW = re.compile(r"^\s*/\* (\d+) \*/\s*\{([^,]+), \"([^\"]*)\"\},[ \t]*(?:/\*\s*(.*?)\s*\*/)?", re.M)
_FLAG = re.compile(r"^\s*(_Sig\w+)\s*(?:= 1 << iota)?\s*// (.*)$", re.M)


def _runtime(name):
    return (toolchain.go().goroot / "src" / "runtime" / name).read_text()


def flag_comments():
    """{flag name: the comment beside it in runtime2.go}, in bit order."""
    return _flag_comments(toolchain.go().goroot)


@cache
def _flag_comments(goroot):
    text = (goroot / "src" / "runtime" / "runtime2.go").read_text()
    block = text[text.index("_SigNotify"):]
    block = block[: block.index("\n)")]
    return {m.group(1): m.group(2).strip() for m in _FLAG.finditer("\t" + block)}


def table():
    """One row per signal 1-64: number, signal (procfs name), flags (list), runtime name, comment."""
    return _table(toolchain.go().goroot).copy()


@cache
def _table(goroot):
    text = (goroot / "src" / "runtime" / "sigtab_linux_generic.go").read_text()
    rows = []
    for m in _ROW.finditer(text):
        num = int(m.group(1))
        if num == 0:
            continue
        flags = [] if m.group(2).strip() == "0" else [f.strip() for f in m.group(2).split("+")]
        rows.append({"number": num, "signal": procfs.name(num), "flags": flags, "runtime name": m.group(3),
                     "comment": m.group(4) or ""})
    if len(rows) != procfs.NSIG:
        raise ValueError(f"read {len(rows)} signals from sigtab_linux_generic.go of {goroot}; expected "
                         f"{procfs.NSIG}: the table's layout changed")
    return pd.DataFrame(rows)


def per_thread_syscall():
    """(signal number, the source's comment) of sigPerThreadSyscall, the signal a non-cgo binary handles
    itself for per-thread system calls; (None, "") if this runtime has none."""
    text = _runtime("os_linux.go")
    m = re.search(r"((?://[^\n]*\n)+)const sigPerThreadSyscall = _SIGRTMIN \+ (\d+)", text)
    if not m:
        return None, ""
    rtmin = re.search(r"_SIGRTMIN\s*=\s*(0x[0-9a-f]+|\d+)", _runtime("defs_linux_amd64.go"))
    comment = " ".join(l.strip().lstrip("/").strip() for l in m.group(1).strip().splitlines())
    return int(rtmin.group(1), 0) + int(m.group(2)), comment


def _installs_per_thread_syscall_without_cgo():
    """True when sigInstallGoHandler returns true for sigPerThreadSyscall in a non-cgo binary."""
    body = _runtime("signal_unix.go")
    body = body[body.index("func sigInstallGoHandler("):]
    body = body[: body.index("\n}\n")]
    return bool(re.search(r"!iscgo && sig == sigPerThreadSyscall \{\s*(//[^\n]*\s*)*return true", body))


def decision(number, *, cgo=False):
    """(installs, why): does the runtime install its handler for signal `number` at start-up
    (no inherited SIG_IGN, an executable), and the source's reason, quoted from its comments."""
    row = table().set_index("number").loc[number]
    flags, comments = row["flags"], flag_comments()
    note = f" (sigtable: {row['comment']})" if row["comment"] else ""
    if not flags:
        return False, "sigtable gives it no flags, so initsig skips it"
    if "_SigDefault" in flags:
        return False, f"_SigDefault: {comments['_SigDefault']}"
    per_thread, why = per_thread_syscall()
    if number == per_thread and not cgo and _installs_per_thread_syscall_without_cgo():
        return True, why  # the comment names sigPerThreadSyscall itself
    if "_SigSetStack" in flags:
        return False, f"_SigSetStack: {comments['_SigSetStack']}{note}"
    return True, " + ".join(flags)
