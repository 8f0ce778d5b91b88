"""What the installed runtime's source says about signals and threads in cgo programs.

The chapter explains behaviour with runtime functions (blockableSig,
adjustSignalStack, badsignal, ...): these helpers read them, and the
sigtable, from the toolchain in use, and compare them across the course's Go
releases, so an explanation cannot outlive a change in the runtime.
"""

import hashlib
import re

import pandas as pd

from .. import procfs, toolchain
from ..errors import SigcampError

_SIGTAB = re.compile(r"/\*\s*(\d+)\s*\*/\s*\{([^,]*),\s*\"([^\"]*)\"\}")

# The runtime functions chapter 3 explains behaviour with, and the file each is in.
NAMED = (("blockableSig", "signal_unix.go"), ("minitSignalMask", "signal_unix.go"),
         ("sigsave", "signal_unix.go"), ("ensureSigM", "signal_unix.go"), ("sigenable", "signal_unix.go"),
         ("initsig", "signal_unix.go"), ("sigtrampgo", "signal_unix.go"), ("sigfwdgo", "signal_unix.go"),
         ("adjustSignalStack", "signal_unix.go"), ("sigNotOnStack", "signal_unix.go"),
         ("badsignal", "signal_unix.go"), ("raisebadsignal", "signal_unix.go"),
         ("dieFromSignal", "signal_unix.go"), ("needm", "proc.go"), ("dropm", "proc.go"),
         ("preemptM", "signal_unix.go"), ("doSigPreempt", "signal_unix.go"), ("sighandler", "signal_unix.go"))


def runtime_function(name, file="signal_unix.go"):
    """The source text of a function in the installed runtime (e.g. "blockableSig")."""
    path = toolchain.go().goroot / "src" / "runtime" / file
    lines = path.read_text().splitlines()
    start = next((i for i, l in enumerate(lines) if re.match(rf"func (\([^)]*\) )?{re.escape(name)}\(", l)), None)
    if start is None:
        raise SigcampError(f"no func {name} in {path}")
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return "\n".join(lines[start:end + 1])


def sigtable():
    """The runtime's sigtable for Linux: number, signal, flags (tuple of _Sig names), description."""
    path = toolchain.go().goroot / "src" / "runtime" / "sigtab_linux_generic.go"
    rows = []
    for num, flags, text in _SIGTAB.findall(path.read_text()):
        num = int(num)
        if num == 0:
            continue
        names = tuple(f.strip() for f in flags.split("+") if f.strip() not in ("", "0"))
        rows.append({"number": num, "signal": procfs.name(num), "flags": names, "description": text})
    if len(rows) != procfs.NSIG:
        raise SigcampError(f"read {len(rows)} sigtable entries from {path}, expected {procfs.NSIG}")
    return pd.DataFrame(rows)


def sig_preempt():
    """The runtime's preemption signal (const sigPreempt), e.g. "SIGURG"."""
    text = (toolchain.go().goroot / "src" / "runtime" / "signal_unix.go").read_text()
    return "SIG" + re.search(r"const sigPreempt = _SIG(\w+)", text).group(1)


def runtime_unblocks(*, asyncpreemptoff=False):
    """For each signal, whether the runtime unblocks it on every thread of an executable, and why.

    Mirrors blockableSig (runtime/signal_unix.go) for an executable, after
    checking that its three rules are still in the installed source.
    """
    text = runtime_function("blockableSig")
    for rule in ("flags&_SigUnblock != 0", "sig == sigPreempt", "flags&(_SigKill|_SigThrow) == 0"):
        if rule not in text:
            raise SigcampError(f"blockableSig no longer contains `{rule}`; update cgo.runtime_unblocks:\n{text}")
    preempt = sig_preempt()
    df = sigtable()
    why = []
    for r in df.itertuples():
        if "_SigUnblock" in r.flags:
            why.append("_SigUnblock")
        elif r.signal == preempt and not asyncpreemptoff:
            why.append("sigPreempt (asynchronous preemption)")
        elif "_SigKill" in r.flags or "_SigThrow" in r.flags:
            why.append(" + ".join(f for f in r.flags if f in ("_SigKill", "_SigThrow")))
        else:
            why.append("")
    df["unblocked by the runtime"] = [bool(w) for w in why]
    df["why"] = why
    df["flags"] = df["flags"].apply(lambda f: " + ".join(f) or "0")
    return df


def _calls_for(handler, constant):
    """Functions called inside the `if sig == constant ...` blocks of a handler's source."""
    lines, called = handler.splitlines(), []
    for i, line in enumerate(lines):
        if re.search(rf"\bsig == {constant}\b", line) and line.rstrip().endswith("{"):
            indent = line[: len(line) - len(line.lstrip())]
            for body in lines[i:]:
                called += [f for f in re.findall(r"(?<![.\w])([a-zA-Z_]\w*)\(", body)
                           if f not in ("if", "for", "switch", "uint32", "uintptr", "int32")]
                if body == indent + "}":
                    break
    return list(dict.fromkeys(called))


def signal_roles(signals=("SIGUSR1", "SIGURG", "SIGPROF")):
    """What the runtime itself does with each signal, read from the installed source.

    Columns: sigtable flags, the functions sighandler calls for it, whether it
    is sigPreempt, and whether the Linux netpoller (netpoll_epoll.go) names it.
    """
    src = toolchain.go().goroot / "src" / "runtime"
    handler = runtime_function("sighandler")
    netpoll = (src / "netpoll_epoll.go").read_text()
    preempt = sig_preempt()
    flags = sigtable().set_index("signal")["flags"]
    rows = []
    for sig in signals:
        calls = _calls_for(handler, "_" + sig) + (_calls_for(handler, "sigPreempt") if sig == preempt else [])
        rows.append({"signal": sig, "sigtable flags": " + ".join(flags[sig]) or "0",
                     "sighandler calls for it": ", ".join(calls) or "nothing of its own",
                     "sigPreempt": sig == preempt, "named in netpoll_epoll.go": sig[3:] in netpoll})
    return pd.DataFrame(rows)


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def across_releases(named=NAMED, releases=None):
    """Each named runtime function (and the sigtable) read from every course release, side by side.

    One row per function: its length in lines on each release, and whether the
    text is the same on all of them; attrs["texts"]: {(function, go): source}.
    """
    specs = releases if releases is not None else toolchain.course_versions()
    texts, versions = {}, []
    for spec in specs:
        with toolchain.using(spec) as go:
            versions.append(go.version_text)
            for name, file in named:
                texts[(name, go.version_text)] = runtime_function(name, file)
            texts[("sigtable", go.version_text)] = (go.goroot / "src/runtime/sigtab_linux_generic.go").read_text()
    rows = []
    for name in [n for n, _ in named] + ["sigtable"]:
        row = {"function": f"runtime.{name}" if name != "sigtable" else "runtime.sigtable (Linux)"}
        for v in versions:
            row[f"lines on {v}"] = texts[(name, v)].count("\n") + 1
        row["same text on every release"] = len({_digest(texts[(name, v)]) for v in versions}) == 1
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs.update(texts=texts, releases=versions)
    return df


def release_diff(df, function):
    """The unified diff of one function between the releases in across_releases()'s result ('' if none)."""
    import difflib

    name = function.removeprefix("runtime.").split(" ")[0]
    versions = df.attrs["releases"]
    first = df.attrs["texts"][(name, versions[0])].splitlines()
    out = []
    for v in versions[1:]:
        out += difflib.unified_diff(first, df.attrs["texts"][(name, v)].splitlines(), versions[0], v, lineterm="")
    return "\n".join(out)
