"""Diagnostics on demand: goroutine dumps and heap profiles from signals, SIGQUIT and GOTRACEBACK.

`on_signals()` asks a running service for a goroutine dump (SIGUSR1) and a
heap profile (SIGUSR2); `parse_goroutines()` turns any Go stack dump (pprof's,
a panic's, SIGQUIT's) into a DataFrame; `traceback_levels()` runs each
GOTRACEBACK level against a real SIGQUIT and a real panic.
"""

import os
import re
import resource
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import i18n, samples, session, systems, toolchain
from .errors import NotReady, SigcampError
from .gdb import run_bounded
from .i18n import N_, _

LEVELS = ("none", "single", "all", "system", "2", "crash")  # "2": the article's GOTRACEBACK=2 (= system)

_HEADER = re.compile(r"^goroutine (\d+)(?: gp=\S+)?(?: m=(\S+))?(?: mp=\S+)? \[([^\]]*)\]:\s*$")
_CALL = re.compile(r"^(.+?)\((?:[^()]*|\.\.\.)\)$")
_CREATED = re.compile(r"^created by (\S+)(?: in goroutine (\d+))?$")
# traceback_by_release's columns, one set per release (the reader's language translates them whole)
BY_RELEASE = {"ended": i18n.pattern(N_("{go}: ended")), "goroutines shown": i18n.pattern(N_("{go}: goroutines shown")),
              "runtime frames": i18n.pattern(N_("{go}: runtime frames")),
              "register dumps": i18n.pattern(N_("{go}: register dumps"))}
_LIBRARY = ("runtime.", "internal/", "sync.", "net.", "net/", "io.", "os.", "os/", "syscall.", "time.",
            "bufio.", "context.")


def _frame_function(line):
    m = _CALL.match(line)
    return m.group(1) if m else line


def parse_goroutines(text):
    """One row per goroutine in a Go stack dump (pprof debug=2, a panic, a SIGQUIT, GOTRACEBACK=system).

    Columns: id, state, minutes (how long it has waited, when printed), locked
    (to its thread), m (the thread, in system-level dumps), frames,
    runtime_frames, blocked_in (the first frame outside the runtime),
    user_frame (the first main.* frame), created_by, parent, stack (the
    frames' functions joined by " < ", innermost first).
    """
    rows, cur = [], None
    for line in text.splitlines():
        h = _HEADER.match(line)
        if h:
            cur = {"id": int(h.group(1)), "m": h.group(2), "funcs": [], "created_by": None, "parent": None}
            parts = [p.strip() for p in h.group(3).split(",")]
            cur["state"] = parts[0]
            cur["minutes"] = next((int(p.split()[0]) for p in parts[1:] if p.endswith("minutes")), None)
            cur["locked"] = "locked to thread" in parts
            rows.append(cur)
            continue
        if cur is None or not line.strip():
            if not line.strip():
                cur = None
            continue
        if line.startswith("\t") or line.startswith("..."):
            continue
        c = _CREATED.match(line)
        if c:
            cur["created_by"], cur["parent"] = c.group(1), int(c.group(2)) if c.group(2) else None
        elif "(" in line:
            cur["funcs"].append(_frame_function(line))
    out = []
    for r in rows:
        funcs = r.pop("funcs")
        out.append({
            **{k: r[k] for k in ("id", "state", "minutes", "locked", "m")},
            "frames": len(funcs),
            "runtime_frames": sum(f.startswith("runtime.") for f in funcs),
            "blocked_in": next((f for f in funcs if not f.startswith(("runtime.", "internal/runtime"))), None),
            "user_frame": next((f for f in funcs if f.startswith("main.")), None),
            "created_by": r["created_by"], "parent": r["parent"], "stack": " < ".join(funcs),
        })
    cols = [N_("id"), N_("state"), N_("minutes"), N_("locked"), N_("m"), N_("frames"), N_("runtime_frames"),
            N_("blocked_in"), N_("user_frame"), N_("created_by"), N_("parent"), N_("stack")]
    return pd.DataFrame(out, columns=cols)


def goroutine_summary(goroutines):
    """How many goroutines share a state, the first frame outside the runtime, and the first main.* frame."""
    g = goroutines.fillna({"blocked_in": "-", "user_frame": "-"})
    return (g.groupby(["state", "blocked_in", "user_frame"]).size().rename(N_("goroutines"))
            .sort_values(ascending=False).reset_index())


def goroutine_table(goroutines):
    """The parsed dump as a reader wants it: no stack text, no column that is empty for every goroutine."""
    g = goroutines.drop(columns="stack").dropna(axis=1, how="all")
    return g.astype({c: "Int64" for c in ("parent", "minutes") if c in g.columns})


def heap_table(heap):
    """pprof's -top rows with sizes in MiB: function, flat (MiB), flat%, cum (MiB), cum%."""
    return pd.DataFrame({N_("function"): heap["function"], "flat (MiB)": heap["flat_bytes"] / 2**20,
                         "flat%": heap["flat%"], "cum (MiB)": heap["cum_bytes"] / 2**20, "cum%": heap["cum%"]})


_SIZE = re.compile(r"^([\d.]+)([kMG]?B)?$")
_UNITS = {None: 1, "B": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def _bytes(text):
    m = _SIZE.match(text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def heap_top(profile, *, binary=None, nodecount=10, timeout=180):
    """`go tool pprof -top` on a heap profile, as a DataFrame (flat, flat%, sum%, cum, cum%, function).

    flat_bytes and cum_bytes hold the sizes in bytes. attrs["header"] keeps
    pprof's header lines. The first call builds the pprof tool into the Go
    cache (seconds to a minute); later calls take a fraction of a second.
    """
    with toolchain.using("installed") as go:  # any release's pprof reads the profile: build the tool once
        pass
    argv = [str(go.path), "tool", "pprof", "-top", f"-nodecount={nodecount}"]
    argv += [str(binary)] if binary else []
    argv.append(str(profile))
    proc = run_bounded(argv, timeout=timeout, env=toolchain.go_env({"GOTOOLCHAIN": "local"}))
    if proc.returncode != 0:
        raise SigcampError(f"go tool pprof failed on {profile}:\n{proc.stderr.strip()}")
    rows, header, table = [], [], False
    for line in proc.stdout.splitlines():
        if line.strip().startswith("flat"):
            table = True
            continue
        if not table:
            header.append(line.strip())
            continue
        parts = line.split(None, 5)
        if len(parts) == 6:
            rows.append(dict(zip(["flat", "flat%", "sum%", "cum", "cum%", "function"], parts)))
    df = pd.DataFrame(rows, columns=["flat", "flat%", "sum%", "cum", "cum%", "function"])
    df["flat_bytes"] = df["flat"].map(_bytes)
    df["cum_bytes"] = df["cum"].map(_bytes)
    df.attrs["header"] = header
    return df


@dataclass
class Dumps:
    """What the service wrote on SIGUSR1 and SIGUSR2, parsed; timings in ms from kill to the DUMP line;
    cache_mib: what the service really keeps in its cache, to compare with the heap profile's estimate;
    stw: per dump kind, (stop-the-world pauses during it, upper bound of the longest in µs)."""

    goroutines: pd.DataFrame
    heap: pd.DataFrame
    text: str
    outcome: session.Outcome
    alive_after: bool
    timings: dict = field(default_factory=dict)
    cache_mib: int = 0
    conns: int = 0
    workers: int = 0
    stw: dict = field(default_factory=dict)


def on_signals(sample="debug-signals", *, conns=8, workers=4, cache_mib=16):
    """Run the service, send SIGUSR1 (goroutine dump), SIGUSR2 (heap profile), then SIGTERM.

    The dumps go to a temporary directory, removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="sigcamp-dumps-") as tmp:
        args = ("-dir", tmp, "-conns", str(conns), "-workers", str(workers), "-cache-mib", str(cache_mib))
        timings, files = {}, {}
        with session.start(sample, args=args) as prog:
            stw = {}
            for sig, kind in (("SIGUSR1", "goroutines"), ("SIGUSR2", "heap")):
                prog.send(sig)
                prog.expect(rf"DUMP {kind} (\S+) \d+ stw=\d+ stw_max_us=\d+")
                timings[kind] = (time.monotonic_ns() - prog.sent_ns) / 1e6
                m = re.search(rf"DUMP {kind} (\S+) \d+ stw=(\d+) stw_max_us=(\d+)", prog.output)
                files[kind], stw[kind] = m.group(1), (int(m.group(2)), int(m.group(3)))
            alive = prog.alive()
            text = Path(files["goroutines"]).read_text()
            heap = heap_top(files["heap"], binary=samples.build(sample))
            prog.send("SIGTERM")
            outcome = prog.wait(5)
    return Dumps(goroutines=parse_goroutines(text), heap=heap, text=text, outcome=outcome, alive_after=alive,
                 timings=timings, cache_mib=cache_mib, conns=conns, workers=workers, stw=stw)


def _no_core():
    """Child set-up: default dispositions (session.child_setup), and no core files at all."""
    session.child_setup()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GODEBUG", "GOMAXPROCS", "GOTRACEBACK"))}
    env.update(extra)
    return env


def run_piped(program, *, send, env=None, args=(), ready="READY", timeout=10):
    """Run a sample (or path) with stdout+stderr on a pipe, RLIMIT_CORE=0, in an empty temporary directory.

    Once it prints `ready`, `send` (a signal name) is sent. Returns (returncode,
    output, files left in its directory). The process group is killed and reaped
    whatever happens.
    """
    path = Path(program) if os.sep in str(program) else samples.build(program)
    with tempfile.TemporaryDirectory(prefix="sigcamp-crash-") as cwd:
        proc = subprocess.Popen([str(path), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=_env(env or {}), cwd=cwd,
                                start_new_session=True, preexec_fn=_no_core)
        try:
            out = _read_until(proc, ready.encode(), timeout)
            os.kill(proc.pid, session.signal_number(send))
            rest, _ = proc.communicate(timeout=timeout)
        except BaseException:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise
        left = sorted(p.name for p in Path(cwd).iterdir())
    return proc.returncode, (out + rest).decode(errors="replace"), left


def _read_until(proc, marker, timeout):
    fd, data = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise NotReady(f"no {marker.decode()!r} within {timeout} s; output so far:\n"
                           f"{data.decode(errors='replace')}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise NotReady(f"the program ended before {marker.decode()!r}:\n{data.decode(errors='replace')}")
            data += chunk
    return data


def _ended(returncode):
    """How a run ended, in the outcome words of session.Outcome.how."""
    if returncode < 0:
        return session.KILLED_BY.format(signal=signal.Signals(-returncode).name)
    return session.EXITED.format(code=returncode)


def traceback_levels(sample="traceback-levels", *, levels=LEVELS, failures=("SIGQUIT", "panic")):
    """One real run per failure and GOTRACEBACK level: how it ended and what the dump contains.

    failure "SIGQUIT" sends SIGQUIT (the runtime's default action); "panic"
    sends SIGUSR1, on which the sample panics. Core files are disabled
    (RLIMIT_CORE=0) and counted. attrs["outputs"] maps (failure, level) to the text.
    """
    rows, outputs = [], {}
    for failure in failures:
        for level in levels:
            t0 = time.monotonic()
            code, out, left = run_piped(sample, send="SIGQUIT" if failure == "SIGQUIT" else "SIGUSR1",
                                        env={"GOTRACEBACK": level}, timeout=30)  # generous: a loaded machine
            g = parse_goroutines(out)
            outputs[(failure, level)] = out
            rows.append({
                N_("failure"): failure, "GOTRACEBACK": level, N_("ended"): _ended(code),
                N_("shell shows"): 128 - code if code < 0 else code,
                N_("goroutines shown"): len(g),
                N_("main.* goroutines"): int(g["user_frame"].notna().sum()),
                N_("other goroutines"): int(g["user_frame"].isna().sum()),
                N_("runtime frames"): int(g["runtime_frames"].sum()),
                N_("register dumps"): len(re.findall(r"^(?:rip|pc)\s+0x", out, re.M)),
                N_("core files"): len(left),
                N_("took (s)"): round(time.monotonic() - t0, 2),
            })
    df = pd.DataFrame(rows)
    df.attrs["outputs"] = outputs
    return df


def traceback_by_release(releases=None, *, levels=LEVELS):
    """traceback_levels() on each Go release the course runs on, side by side: one row per failure and
    level; per release how it ended, the goroutines shown and the register dumps."""
    parts = []
    for spec in releases if releases is not None else toolchain.course_versions():
        with toolchain.using(spec) as go:
            t = traceback_levels(levels=levels).set_index(["failure", "GOTRACEBACK"])
        parts.append(t[list(BY_RELEASE)].rename(columns={c: p.format(go=go.version_text)
                                                         for c, p in BY_RELEASE.items()}))
    wide = pd.concat(parts, axis=1).reset_index()
    return wide


def traceback_rule():
    """The source lines that decide how much a fatal signal prints: sighandler marks the failure
    as a runtime throw, and gotraceback() gives runtime throws level 2 (system)."""
    return pd.concat([
        systems.source_lines("runtime/signal_unix.go", r"mp\.throwing = throwTypeRuntime"),
        systems.source_lines("runtime/signal_unix.go", r"level, _, docrash := gotraceback\(\)"),
        systems.source_lines("runtime/runtime1.go", r"else if gp\.m\.throwing >= throwTypeRuntime", after=4),
    ], ignore_index=True).drop(columns="match")


def timings_said(d):
    """What on_signals() measured, in the reader's language: when each dump came, how the world stopped for the
    goroutine dump, and whether the service outlived both signals."""
    count, longest_us = d.stw["goroutines"]
    return "\n".join([
        _("goroutine dump written {ms:.1f} ms after SIGUSR1 (the world stopped {count} time(s), at most "
          "{longest:.2f} ms), heap profile {heap:.1f} ms after SIGUSR2").format(
            ms=d.timings["goroutines"], count=count, longest=longest_us / 1000, heap=d.timings["heap"]),
        _("still running after both: {alive}; after SIGTERM: {ended}").format(
            alive=_("yes") if d.alive_after else _("no"), ended=i18n.value(d.outcome.how))])


def cache_caption(d):
    """The caption of heap_table(): the size the service really keeps in its cache, beside the estimate."""
    return _("the heap profile's estimate; the cache really holds {mib} MiB").format(mib=d.cache_mib)
