"""Per-student resource limits: memory and process count for everything a student's server runs.

Three ways, picked by what the machine has:
- systemd as PID 1: the server starts in a transient scope (`systemd-run --scope` with MemoryMax and
  TasksMax), see `systemd_prefix`;
- cgroup v1 (memory, pids, cpu, freezer hierarchies, as on machines like the grader's): a group per
  student under <controller>/sigcamp-hub/<unix>/;
- cgroup v2 (one unified hierarchy): /sys/fs/cgroup/sigcamp-hub/<unix>/ with memory.max and pids.max.
Each student's group gets the same CPU weight, so one student's busy loop cannot starve the class.
"""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "sigcamp-hub"
V1_CONTROLLERS = ("memory", "pids", "cpu", "freezer")


@dataclass(frozen=True)
class Limits:
    memory: int = 3 << 30  # bytes for everything of one student (kernels, builds, samples, delve)
    pids: int = 512  # processes and threads; a Go program has ~5-10 threads, a kernel ~10


def systemd_runs():
    """True when PID 1 is systemd (then transient scopes are the way to bound a user)."""
    return Path("/run/systemd/system").is_dir() and bool(shutil.which("systemd-run"))


def systemd_prefix(unix, limits):
    """`systemd-run --scope ...` to put in front of the server's command when systemd runs."""
    return ["systemd-run", "--scope", "--quiet", "--collect", f"--unit=sigcamp-hub-{unix}-{time.time_ns()}",
            "--slice=sigcamp-hub.slice", f"--property=MemoryMax={limits.memory}",
            f"--property=TasksMax={limits.pids}", "--property=MemorySwapMax=0", "--"]


def _v2():
    return (CGROUP_ROOT / "cgroup.controllers").is_file()


def groups(unix):
    """{controller: folder} of `unix`'s groups (existing or not)."""
    if _v2():
        return {"unified": CGROUP_ROOT / PARENT / unix}
    return {c: CGROUP_ROOT / c / PARENT / unix for c in V1_CONTROLLERS if (CGROUP_ROOT / c).is_dir()}


def make(unix, limits):
    """Make `unix`'s groups with `limits`; returns {controller: folder} of those that could be made."""
    made = {}
    if _v2():
        parent = CGROUP_ROOT / PARENT
        try:
            parent.mkdir(exist_ok=True)
            for d in (CGROUP_ROOT, parent):
                (d / "cgroup.subtree_control").write_text("+memory +pids +cpu")
            d = parent / unix
            d.mkdir(exist_ok=True)
            (d / "memory.max").write_text(str(limits.memory))
            (d / "memory.swap.max").write_text("0")
            (d / "pids.max").write_text(str(limits.pids))
            made["unified"] = d
        except OSError:
            pass
        return made
    settings = {"memory": {"memory.limit_in_bytes": limits.memory},
                "pids": {"pids.max": limits.pids}, "cpu": {"cpu.shares": 1024}, "freezer": {}}
    for controller, d in groups(unix).items():
        try:
            d.mkdir(parents=True, exist_ok=True)
            for key, value in settings[controller].items():
                (d / key).write_text(str(value))
            if controller == "memory":  # no swap beyond the limit where the kernel accounts it
                try:
                    (d / "memory.memsw.limit_in_bytes").write_text(str(limits.memory))
                except OSError:
                    pass
            made[controller] = d
        except OSError:
            continue
    return made


def enter(made, pid=None):
    """Move process `pid` (default: this one) into the groups; its children follow."""
    for d in made.values():
        (d / "cgroup.procs").write_text(str(pid or os.getpid()))


def members(unix):
    """PIDs in any of `unix`'s groups."""
    found = set()
    for d in groups(unix).values():
        try:
            found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        except (OSError, ValueError):
            continue
    return sorted(found)


def read_limits(unix):
    """(memory bytes, pids) as the kernel holds them for `unix`'s groups (None where absent)."""
    g = groups(unix)
    if "unified" in g:
        files = (g["unified"] / "memory.max", g["unified"] / "pids.max")
    else:
        files = (g.get("memory", Path("/nonexistent")) / "memory.limit_in_bytes",
                 g.get("pids", Path("/nonexistent")) / "pids.max")
    out = []
    for f in files:
        try:
            text = f.read_text().strip()
            out.append(None if text == "max" else int(text))
        except (OSError, ValueError):
            out.append(None)
    return tuple(out)


def destroy(unix, *, timeout=10.0):
    """Kill whatever is still in `unix`'s groups (frozen first where a freezer exists), remove them."""
    from grader.cgroups import kill_and_remove

    g = groups(unix)
    deadline = time.monotonic() + timeout
    kill_and_remove(g.get("freezer"), list(g.values()))
    while members(unix) and time.monotonic() < deadline:  # a process still exiting keeps its group
        kill_and_remove(g.get("freezer"), list(g.values()))
    return not members(unix)
