"""Chapter 2: blocking a signal on one thread from Go, the article's way and the way that compiles.

The programs live in go_modules/, each a module of its own: the article's
snippet (`syscall.Sigprocmask`, which Linux's syscall package does not have)
and `pthread-sigmask`, which uses golang.org/x/sys/unix.PthreadSigmask without
cgo. `article_snippet()` is the compiler's answer to the first;
`one_thread()` runs the second and reads every thread's mask in /proc.
"""

import fcntl
import hashlib
import os
import re
import subprocess
import time
from pathlib import Path

import pandas as pd

from . import masks, procfs, session, toolchain
from .errors import BuildError, ToolchainError

MODULES = toolchain.ROOT / "go_modules"
_ERROR = re.compile(r"^\.?/?(\S+\.go):(\d+):(\d+): (.*)$", re.M)


def build_module(name):
    """Build go_modules/`name` once into _build/bin/ (cached by sources and Go version); return its path.

    Dependencies come from the Go module proxy into .tools/gomodcache the first
    time. Raises BuildError with the compiler's output when it does not compile.
    """
    src = MODULES / name
    if not (src / "go.mod").is_file():
        raise BuildError(f"no Go module at {src}: expected go_modules/{name}/go.mod")
    go = toolchain.go()
    h = hashlib.sha256(f"{go.version_text} {go.path}".encode())
    for p in sorted(src.rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = toolchain.BUILD / "bin" / f"{name}-{h.hexdigest()[:12]}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    locks = toolchain.BUILD / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if out.exists():
            return out
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        env = toolchain.go_env({"GOMODCACHE": str(toolchain.TOOLCHAIN_CACHE), "CGO_ENABLED": "0",
                                "GOFLAGS": "-buildvcs=false -modcacherw"})
        try:
            proc = subprocess.run([str(go.path), "build", "-o", str(tmp), "."], cwd=src, env=env,
                                  capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"building go_modules/{name} took over 5 minutes; is the Go module proxy "
                                 "reachable (GOPROXY)?") from None
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            hint = ("\nIts dependencies come from the Go module proxy: check that proxy.golang.org (or $GOPROXY) "
                    "is reachable.") if "dial tcp" in proc.stderr or "proxy" in proc.stderr else ""
            raise BuildError(f"building go_modules/{name} failed:\n{proc.stderr.strip()}{hint}")
        os.replace(tmp, out)
    return out


def article_snippet(name="article-sigprocmask"):
    """The compiler's answer to the article's snippet: one row per error (at, message); empty if it built.

    attrs: "source" (the snippet's function as printed), "go" (the release that compiled it).
    """
    text = (MODULES / name / "main.go").read_text()
    lines = text.splitlines()
    rows = []
    try:
        build_module(name)
    except BuildError as e:
        for f, n, c, msg in _ERROR.findall(str(e)):
            rows.append({"at": f"{f}:{n}:{c}", "code": lines[int(n) - 1].strip(), "compiler said": msg})
        if not rows:
            raise
    df = pd.DataFrame(rows, columns=["at", "code", "compiler said"])
    start = next(i for i, l in enumerate(lines) if l.startswith("func blockUSR1OnCurrentM"))
    df.attrs.update(source="\n".join(lines[start - 1: lines.index("}", start) + 1]), go=toolchain.go().version_text)
    return df


def one_thread(name="pthread-sigmask", signame="SIGUSR1"):
    """Run the x/sys program: which threads block `signame`, a tgkill to the blocking thread, then a kill(2).

    One row per step: step, blocking thread, threads, threads blocking it,
    pending in that thread's SigPnd, in ShdPnd, the program (what it printed).
    """
    binary = build_module(name)
    rows = []
    with session.start(binary) as prog:
        tid = int(re.search(r"blocked \w+ on tid (\d+)", prog.output).group(1))

        def observe(step):
            table = masks.settled_masks(prog.pid)
            mine = procfs.thread_status(prog.pid, tid)
            rows.append({"step": step, "blocking thread": tid, "threads": len(table),
                         f"threads blocking {signame}": int(table["blocked"].apply(lambda s: signame in s).sum()),
                         f"{signame} pending on that thread": signame in mine["pending"],
                         f"{signame} pending for the process": signame in table["shared_pending"].iloc[0],
                         "the program": "got it" if "got signal" in prog.output else "no signal yet"})

        observe("after start")
        masks.tgkill(prog.pid, tid, signame)
        time.sleep(0.2)
        observe(f"tgkill(pid, {tid}, {signame})")
        prog.send(signame)
        outcome = prog.wait(3)
        got = re.search(r"got signal: (.*)", outcome.output)
        rows.append({"step": f"kill(pid, {signame})", "blocking thread": tid,
                     "the program": f"got it ({got.group(1).strip()}), {outcome.how}" if got else outcome.how})
    df = pd.DataFrame(rows)
    return df.astype({"threads": "Int64", f"threads blocking {signame}": "Int64"})


def module_path(name):
    """go_modules/`name` (for the notebook to show where the programs are)."""
    return Path(MODULES / name).relative_to(toolchain.ROOT)
