"""A memory limit on a Go program, the way systemd's MemoryMax= sets one: a memory cgroup made here.

`run()` starts go_samples/memory-grow in a fresh memory cgroup (v1
memory.limit_in_bytes, or v2 memory.max) with and without GOMEMLIMIT, with
the oom_score_adj that OOMScoreAdjust=-900 would give it, and records how it
ended and what the cgroup counted. `systemd_attempt()` tries to run a unit
here and says why it cannot.
"""

import errno
import itertools
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from . import i18n, samples, session
from .errors import SigcampError
from .i18n import N_, _

V1, V2 = Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")
_count = itertools.count()
NO_ANSWER = i18n.pattern(N_("no answer within {seconds} s"))


class NoMemoryCgroup(SigcampError):
    """No memory cgroup can be made here (not root, or no memory controller)."""


def cgroup_root():
    """(version, directory) of a memory cgroup hierarchy this process may create groups in."""
    if (V1 / "memory.limit_in_bytes").is_file() and os.access(V1, os.W_OK):
        return 1, V1
    ctl = V2 / "cgroup.controllers"
    if ctl.is_file() and "memory" in ctl.read_text().split() and os.access(V2, os.W_OK):
        return 2, V2
    raise NoMemoryCgroup(N_("no writable memory cgroup: run as root on a machine with the memory controller "
                            "(cgroup v1 /sys/fs/cgroup/memory, or v2 with memory in cgroup.controllers)"))


class MemoryCgroup:
    """A memory cgroup with a limit, removed (its processes killed) on exit. Use as a context manager."""

    def __init__(self, limit_bytes):
        self.version, root = cgroup_root()
        self.path = root / f"sigcamp-mem-{os.getpid()}-{next(_count)}"
        self.path.mkdir()
        try:
            if self.version == 1:
                self._write("memory.limit_in_bytes", limit_bytes)
                if (self.path / "memory.memsw.limit_in_bytes").exists():
                    self._write("memory.memsw.limit_in_bytes", limit_bytes)  # no swapping around the limit
            else:
                self._write("memory.max", limit_bytes)
                if (self.path / "memory.swap.max").exists():
                    self._write("memory.swap.max", 0)
        except BaseException:
            self.close()
            raise

    def _write(self, name, value):
        (self.path / name).write_text(f"{value}\n")

    def _read(self, name):
        f = self.path / name
        return f.read_text() if f.exists() else ""

    def counters(self):
        """oom_kills (the kernel's OOM kills in this group), peak_mib (most memory it held), failcnt (v1)."""
        if self.version == 1:
            kills = re.search(r"^oom_kill (\d+)", self._read("memory.oom_control"), re.M)
            peak = self._read("memory.max_usage_in_bytes").strip()
            fail = self._read("memory.failcnt").strip()
        else:
            kills = re.search(r"^oom_kill (\d+)", self._read("memory.events"), re.M)
            peak, fail = self._read("memory.peak").strip(), ""
        return {"oom_kills": int(kills.group(1)) if kills else None,
                "peak_mib": round(int(peak) / 2**20, 1) if peak else None,
                "failcnt": int(fail) if fail else None}

    def close(self):
        for _ in range(50):
            pids = [int(p) for p in self._read("cgroup.procs").split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        try:
            self.path.rmdir()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


_WRAP = 'echo $$ > "$CG/cgroup.procs" && exec "$0" "$@"'
CASES = ((N_("no GOMEMLIMIT"), "off", -900), (N_("GOMEMLIMIT at half the limit"), "half", -900),
         (N_("no GOMEMLIMIT, oom_score_adj raised"), "off", 500))


def run_case(gomemlimit, *, limit_mib=64, oom_score_adj=-900, grow_to=4, timeout=15):
    """memory-grow in a cgroup limited to limit_mib, GOGC=off, with GOMEMLIMIT `gomemlimit` ("off", "half"
    or a Go value) and oom_score_adj. Ended by SIGTERM once it has allocated grow_to × the limit, unless the
    kernel ended it first. Returns one row (a dict)."""
    binary = samples.build("memory-grow")
    limit = "%dMiB" % (limit_mib // 2) if gomemlimit == "half" else gomemlimit
    with MemoryCgroup(limit_mib << 20) as cg:
        env = {"GOGC": "off", "GOMEMLIMIT": limit, "CG": str(cg.path)}
        with session.start("/bin/sh", args=("-c", _WRAP, str(binary)), env=env, timeout=timeout) as prog:
            adj_result = set_oom_score_adj(prog.pid, oom_score_adj)
            score = _read_int(f"/proc/{prog.pid}/oom_score")
            adj = _read_int(f"/proc/{prog.pid}/oom_score_adj")
            deadline = time.monotonic() + timeout
            while prog.alive() and _allocated(prog.output) < grow_to * limit_mib and time.monotonic() < deadline:
                prog.pause(0.05)
            if prog.alive():
                prog.send("SIGTERM")
            outcome = prog.wait(5)
        counters = cg.counters()
        version = cg.version
    last = re.findall(r"^ALLOC (\d+) heap=(\d+) gcs=(\d+)$", outcome.output, re.M)
    return {"GOMEMLIMIT": limit, N_("limit (MiB)"): limit_mib, "cgroup": f"v{version}",
            N_("oom_score_adj asked"): oom_score_adj, N_("writing it"): adj_result, "oom_score_adj": adj,
            "oom_score": score, N_("ended"): outcome.how, N_("allocated (MiB)"): int(last[-1][0]) if last else 0,
            N_("heap at the end (MiB)"): int(last[-1][1]) if last else None,
            N_("GCs"): int(last[-1][2]) if last else None,
            N_("SIGTERM handler ran"): "got terminated" in outcome.output,
            N_("OOM kills"): counters["oom_kills"], N_("peak (MiB)"): counters["peak_mib"]}


def set_oom_score_adj(pid, value):
    """Write /proc/PID/oom_score_adj (what systemd's OOMScoreAdjust= does); "done" or the error's errno name.

    Lowering it below its current value needs CAP_SYS_RESOURCE."""
    try:
        Path(f"/proc/{pid}/oom_score_adj").write_text(f"{value}\n")
        return N_("done")
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def capability(name="CAP_SYS_RESOURCE", pid="self"):
    """Whether the process holds a capability in its effective set (/proc/PID/status CapEff)."""
    bits = {"CAP_SYS_ADMIN": 21, "CAP_SYS_RESOURCE": 24}
    eff = re.search(r"^CapEff:\s*([0-9a-f]+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)
    return bool(int(eff, 16) >> bits[name] & 1)


def capability_said(name="CAP_SYS_RESOURCE"):
    """Whether this process holds the capability, as a sentence in the reader's language."""
    held = capability(name)
    return (_("this process has {capability}") if held else _("this process does not have {capability}")).format(
        capability=name)


def _allocated(text):
    found = re.findall(r"^ALLOC (\d+)", text, re.M)
    return int(found[-1]) if found else 0


def _read_int(path):
    try:
        return int(Path(path).read_text())
    except (OSError, ValueError):
        return None


def run(cases=CASES, **kw):
    """One row per (title, GOMEMLIMIT, oom_score_adj) case; when no memory cgroup can be made, one row
    saying why (column "not run")."""
    rows = []
    for title, limit, adj in cases:
        try:
            rows.append({N_("case"): title, **run_case(limit, oom_score_adj=adj, **kw)})
        except NoMemoryCgroup as e:
            rows.append({N_("case"): title, N_("not run"): str(e)})
    return pd.DataFrame(rows)


def systemd_attempt():
    """What PID 1 is, and what `systemd-run --scope -p MemoryMax=64M -p OOMScoreAdjust=-900 true` answers here:
    a one-row DataFrame (pid 1, attempt, answer, ran)."""
    comm = Path("/proc/1/comm").read_text().strip()
    tool = shutil.which("systemd-run")
    if not tool:
        return pd.DataFrame([{N_("pid 1"): comm, N_("attempt"): "systemd-run",
                              N_("answer"): N_("systemd-run is not installed"), N_("ran"): False}])
    argv = [tool, "--scope", "-p", "MemoryMax=64M", "-p", "OOMScoreAdjust=-900", "true"]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        answer, ran = (p.stderr or p.stdout).strip().splitlines()[-1:] or [f"exit {p.returncode}"], p.returncode == 0
    except subprocess.TimeoutExpired:
        answer, ran = [NO_ANSWER.format(seconds=20)], False
    return pd.DataFrame([{N_("pid 1"): comm, N_("attempt"): " ".join(["systemd-run", *argv[1:]]),
                          N_("answer"): answer[0], N_("ran"): ran}])
