"""Watching a program's signal system calls with strace.

`trace()` runs a sample (or any executable) under `strace -f` on a PTY, limited
to the calls that install handlers, change masks and send signals, plus every
signal the kernel delivers, and returns one DataFrame row per event.
`installed_handlers()` condenses that to one row per signal a program caught.
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pandas as pd

from . import i18n, procfs, samples, session, toolchain
from .gdb import run_bounded
from .errors import SigcampError
from .i18n import N_

CALLS = ("rt_sigaction", "rt_sigprocmask", "sigaltstack", "tgkill", "tkill", "kill",
         "rt_sigreturn", "rt_sigtimedwait")
COLUMNS = ["tid", "call", "signal", "flags", "handler", "mask", "result", "old_handler", "target", "raw"]
ALL_SIGNALS = frozenset(procfs.name(n) for n in range(1, procfs.NSIG + 1))

_LINE = re.compile(r"^(\d+)\s+(.*)$")
_SYSCALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*)$")
_DELIVERY = re.compile(r"^--- (SIG\w+) \{(.*)\} ---$")
_EXIT = re.compile(r"^\+\+\+ (exited with (\d+)|killed by (SIG\w+)(?: \(core dumped\))?) \+\+\+$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_UNFINISHED = " <unfinished ...>"
# How describe_mask() words a mask (translated where shown).
NO_SIGNALS, ALL, ALL_BUT = N_("none"), N_("all"), i18n.pattern(N_("all but {signals}"))


def strace_command(argv, *, output, calls=CALLS):
    """The strace argv that traces `argv` (and its threads) into the file `output`.

    -f follows every thread, -q drops attach notes but keeps exit lines,
    --seccomp-bpf stops the tracee only for the traced calls, -I3 keeps strace
    itself alive on ^C so the signal reaches the traced program.
    """
    return [str(toolchain.strace()), "-f", "-q", "--seccomp-bpf", "-I3", "-o", str(output),
            "-e", "trace=" + ",".join(calls), "-e", "signal=all", "--", *map(str, argv)]


def trace(program, *, send=None, wait=5.0, env=None, args=(), calls=CALLS, ready="READY", timeout=20):
    """Run `program` (a sample name or a path) under strace; return its signal events.

    The program starts on a fresh PTY with default signal dispositions (a
    sample's Env and Args apply, its Launch does not). Once it prints `ready`
    (None: don't wait), `send` is applied: None, "ctrl-c" (the tty's INTR
    character, which strace blocks and the program gets) or a signal name sent
    with kill(2) to the program itself. After `wait` seconds whatever still runs
    is killed and reaped. attrs hold "outcome" (sigcamp.Outcome), "pid", "binary".
    """
    path, sample_env, sample_args = _resolve(program)
    toolchain.BUILD.mkdir(parents=True, exist_ok=True)
    fd, out = tempfile.mkstemp(prefix="strace-", suffix=".txt", dir=toolchain.BUILD)
    os.close(fd)
    try:
        argv = strace_command([path, *(args or sample_args)], output=out, calls=calls)
        with session.start(argv[0], args=argv[1:], env={**sample_env, **(env or {})},
                           ready=ready, timeout=timeout) as run:
            pid = _traced_pid(run, path, timeout)
            if send and pid is None:
                raise SigcampError(f"{path} ended before anything could be sent; output:\n{run.output}")
            if send == "ctrl-c":
                run.ctrl_c()
            elif send:
                run.sent_ns = time.monotonic_ns()
                os.kill(pid, session.signal_number(send))
            outcome = run.wait(wait)
        text = Path(out).read_text()
    finally:
        Path(out).unlink(missing_ok=True)
    if "strace:" in outcome.output and not text.strip():
        raise SigcampError(f"strace could not trace {path}:\n{outcome.output}")
    df = parse(text)
    df.attrs.update(outcome=outcome, pid=pid, binary=str(path))
    return df


def _resolve(program):
    if os.sep in str(program) or Path(program).is_file():
        return Path(program).resolve(), {}, ()
    sample = samples.find(str(program))
    return samples.build(sample), dict(sample.env), tuple(sample.args)


def _traced_pid(run, exe, timeout):
    """strace's child once it runs `exe` (strace may fork test children first); None if it ended."""
    deadline = time.monotonic() + timeout
    path, exe = Path(f"/proc/{run.pid}/task/{run.pid}/children"), os.path.realpath(exe)
    while time.monotonic() < deadline:
        try:
            children = path.read_text().split()
        except OSError:
            children = []
        for child in children:
            try:
                if os.readlink(f"/proc/{child}/exe") == exe:
                    return int(child)
            except OSError:
                pass
        if not run.alive():
            return None
        time.sleep(0.005)
    raise SigcampError(f"strace (PID {run.pid}) started no {exe} within {timeout} s; its output:\n"
                       f"{run.output}")


def parse(text):
    """A DataFrame (COLUMNS) from `strace -f` output; interrupted calls are joined up.

    call is the syscall name, "delivered" for a signal the kernel delivered
    (flags then holds its si_code), "exited" (result = status) or "killed".
    Signal and mask names follow procfs: kernel signal 32 is SIG32, 34 is
    SIGRTMIN (strace calls those SIGRTMIN and SIGRT_2). Masks are frozensets.
    """
    rows, pending = [], {}
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        tid, body = int(m.group(1)), m.group(2)
        if body.endswith(_UNFINISHED):
            pending[tid] = body[: -len(_UNFINISHED)]
            continue
        r = _RESUMED.match(body)
        if r:
            body = pending.pop(tid, r.group(1) + "(") + r.group(2)
        rows.append(parse_line(tid, body))
    for tid, body in pending.items():  # a call the program never returned from
        rows.append(_row(tid, body.partition("(")[0], raw=body + _UNFINISHED))
    df = pd.DataFrame([r for r in rows if r], columns=COLUMNS)
    return df.astype({"tid": "Int64", "target": "Int64"})


def parse_line(tid, body):
    """One event dict (COLUMNS) from one strace line without its TID; None if unknown."""
    m = _DELIVERY.match(body)
    if m:
        info = dict(_fields(m.group(2)))
        return _row(tid, "delivered", raw=body, signal=_signal(m.group(1)), flags=info.get("si_code"))
    m = _EXIT.match(body)
    if m:
        if m.group(2):
            return _row(tid, "exited", raw=body, result=m.group(2))
        return _row(tid, "killed", raw=body, signal=_signal(m.group(3)))
    m = _SYSCALL.match(body)
    if not m:
        return None
    call, args, result = m.group(1), _split(m.group(2)), m.group(3).strip()
    row = _row(tid, call, raw=body, result=result)
    if call == "rt_sigaction" and len(args) >= 3:
        row["signal"] = _signal(args[0])
        new, old = _struct(args[1]), _struct(args[2])
        if new:
            row.update(handler=new.get("sa_handler"), flags=new.get("sa_flags"),
                       mask=parse_mask(new.get("sa_mask", "[]")))
        if old:
            row["old_handler"] = old.get("sa_handler")
    elif call == "rt_sigprocmask" and len(args) >= 2:
        row["flags"] = args[0]
        row["mask"] = None if args[1] == "NULL" else parse_mask(args[1])
    elif call == "sigaltstack" and args:
        ss = _struct(args[0])
        if ss:
            row["flags"] = ss.get("ss_flags")
    elif call in ("kill", "tkill") and len(args) >= 2:
        row.update(target=_int(args[0]), signal=_signal(args[1]))
    elif call == "tgkill" and len(args) >= 3:
        row.update(target=_int(args[1]), signal=_signal(args[2]))
    elif call == "rt_sigreturn" and args:
        fields = _struct(args[0]) or {}
        if "mask" in fields:
            row["mask"] = parse_mask(fields["mask"])
    elif call == "rt_sigtimedwait" and args:
        row["mask"] = parse_mask(args[0])
        got = re.search(r"\((SIG\w+)\)", result)
        row["signal"] = _signal(got.group(1)) if got else None
    return row


def _row(tid, call, *, raw, **fields):
    row = dict.fromkeys(COLUMNS)
    row.update(tid=tid, call=call, raw=raw, **fields)
    return row


def _split(text):
    """Split an argument list at top-level commas (not inside {}, [] or ())."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _fields(text):
    for part in _split(text):
        key, sep, value = part.partition("=")
        if sep:
            yield key.strip(), value.strip()


def _struct(text):
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    return dict(_fields(text[1:-1]))


def _int(text):
    try:
        return int(text, 0)
    except ValueError:
        return None


def _signal(text):
    """procfs's name for strace's signal spelling: SIGINT, SIGRTMIN (32), SIGRT_2 (34)."""
    num = _signal_number(text[3:] if text.startswith("SIG") else text)
    return procfs.name(num) if num else text


def _signal_number(short):
    if short == "RTMIN":
        return 32
    m = re.fullmatch(r"RT_(\d+)", short)
    if m:
        return 32 + int(m.group(1))
    if short.isdigit():
        return int(short)
    try:
        return procfs.number("SIG" + short)
    except ValueError:
        return None


def parse_mask(text):
    """frozenset of signal names from strace's `[INT TERM]`, `~[]` (all) or `~[HUP ...]`."""
    text = text.strip()
    invert = text.startswith("~")
    inner = text.lstrip("~").strip("[]").split()
    names = set()
    for short in inner:
        num = _signal_number(short[3:] if short.startswith("SIG") else short)
        if num is None:
            raise ValueError(f"cannot read signal {short!r} in the mask {text!r}")
        names.add(procfs.name(num))
    return ALL_SIGNALS - names if invert else frozenset(names)



def describe_mask(mask):
    """Short text for a mask: 'none', 'all', 'all but SIGKILL SIGSTOP' or 'SIGINT SIGTERM'."""
    if mask is None:
        return None
    order = lambda names: " ".join(sorted(names, key=procfs.number))
    if not mask:
        return NO_SIGNALS
    if mask == ALL_SIGNALS:
        return ALL
    if len(mask) > procfs.NSIG // 2:
        return ALL_BUT.format(signals=order(ALL_SIGNALS - mask))
    return order(mask)


def installed_handlers(df, *, binary=None):
    """One row per signal that got a handler: signal, handler, symbol, flags, mask, was, tid, times.

    handler/flags/mask are from the last rt_sigaction that set it; `was` is the
    disposition the program found (the first old action seen); symbol names the
    handler's function when `binary` (default: df.attrs["binary"]) has symbols.
    """
    acts = df[df["call"] == "rt_sigaction"]
    rows = []
    for sig, group in acts.groupby("signal", sort=False):
        sets = group[group["handler"].notna()]
        if sets.empty:
            continue
        last = sets.iloc[-1]
        olds = group["old_handler"].dropna()
        rows.append({"signal": sig, "handler": last["handler"], "flags": last["flags"],
                     "mask": describe_mask(last["mask"]), "was": olds.iloc[0] if len(olds) else None,
                     "tid": last["tid"], "times": len(sets)})
    out = pd.DataFrame(rows, columns=[N_("signal"), N_("handler"), N_("symbol"), N_("flags"), N_("mask"), N_("was"),
                                      N_("tid"), N_("times")])
    binary = binary or df.attrs.get("binary")
    if binary and len(out):
        names = symbols(binary)
        out["symbol"] = [names.get(_int(h)) if h and h.startswith("0x") else None for h in out["handler"]]
    out["_num"] = [procfs.number(s) for s in out["signal"]]
    return out.sort_values("_num").drop(columns="_num").reset_index(drop=True)


def symbols(binary):
    """{address: function name} of an executable's text symbols (via `go tool nm`), '.abi0' dropped.

    Addresses are link-time ones: they match run-time addresses for Go's default
    non-PIE executables, not for PIE programs such as gcc's default output.
    """
    go = toolchain.go()
    proc = run_bounded([str(go.path), "tool", "nm", str(binary)], timeout=60, env=toolchain.go_env())
    if proc.returncode != 0:
        return {}
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "Tt":
            out.setdefault(int(parts[0], 16), parts[2].removesuffix(".abi0"))
    return out
