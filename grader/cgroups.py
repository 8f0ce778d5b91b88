"""cgroup v1 groups for the sandbox: a process limit, memory, a CPU share and a freezer per run.

The groups live under /sys/fs/cgroup/<controller>/sigcamp-grader/<grader pid>-<slot>-<ns>/; those of
a grader that was killed are removed by the next one (remove_stale_cgroups).
"""

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "sigcamp-grader"


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


_stale_cleaned = threading.Lock()
_stale_done = []


@dataclass
class Cgroups:
    """cgroup v1 groups (pids, memory, cpu, freezer) for one sandbox run; none when cgroups are not writable."""

    dirs: dict

    @classmethod
    def make(cls, sandbox):
        with _stale_cleaned:
            if not _stale_done:
                remove_stale_cgroups()
                _stale_done.append(True)
        name = f"{CGROUP_PARENT}/{os.getpid()}-{sandbox.slot}-{time.monotonic_ns()}"
        dirs = {}
        for controller, settings in (("pids", {"pids.max": sandbox.limits.pids}),
                                     ("memory", {"memory.limit_in_bytes": sandbox.limits.memory}),
                                     ("cpu", {"cpu.shares": sandbox.limits.cpu_shares or 1024 * (os.cpu_count() or 1)}),
                                     ("freezer", {})):
            d = CGROUP_ROOT / controller / name
            try:
                d.mkdir(parents=True)
                for key, value in settings.items():
                    (d / key).write_text(str(value))
                dirs[controller] = d
            except OSError:
                continue
        return cls(dirs)

    def enter(self):
        for d in self.dirs.values():
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def stats(self):
        out = {}
        if "memory" in self.dirs:
            out["oom_kills"] = _field(self.dirs["memory"] / "memory.oom_control", "oom_kill")
        if "pids" in self.dirs:
            out["pids_refused"] = _field(self.dirs["pids"] / "pids.events", "max")
        return out

    def destroy(self):
        """Kill whatever is still in the groups (frozen first, so nothing forks meanwhile), then remove them."""
        stats = self.stats()
        return {**stats, "killed": kill_and_remove(self.dirs.get("freezer"), [*self.dirs.values()])}


def _field(path, key):
    try:
        for line in path.read_text().splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    except (OSError, ValueError):
        pass
    return 0


def _pids(d):
    try:
        return [int(p) for p in (d / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def kill_and_remove(freezer, dirs, *, tries=200):
    """Kill every process in the cgroup folders `dirs` (frozen first when a freezer group is given), then
    remove the folders (the kernel refuses while a killed process is still exiting); returns the kills sent."""
    killed = _kill_group(freezer, dirs)
    for d in dirs:
        for _ in range(tries):
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)
    return killed


def _kill_group(freezer, dirs):
    """SIGKILL every process in `dirs`, freezing them first when a freezer group is given."""
    killed = 0
    for _ in range(200):
        pids = sorted({p for d in dirs for p in _pids(d)})
        if not pids:
            break
        frozen = False
        if freezer is not None:
            try:
                (freezer / "freezer.state").write_text("FROZEN")
                frozen = True
                for _ in range(100):
                    if (freezer / "freezer.state").read_text().strip() == "FROZEN":
                        break
                    time.sleep(0.005)
                pids = sorted({p for d in dirs for p in _pids(d)})
            except OSError:
                pass
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        if frozen:
            try:
                (freezer / "freezer.state").write_text("THAWED")
            except OSError:
                pass
        time.sleep(0.01)
    return killed


def remove_stale_cgroups():
    """Remove the groups of grader processes that are gone (a grader killed with SIGKILL leaves them)."""
    removed = 0
    for controller in ("pids", "memory", "cpu", "freezer"):
        parent = CGROUP_ROOT / controller / CGROUP_PARENT
        if not parent.is_dir():
            continue
        for d in parent.iterdir():
            owner = d.name.split("-", 1)[0]
            if not d.is_dir() or not owner.isdigit() or _alive(int(owner)):
                continue
            _kill_group(d if controller == "freezer" else None, [d])
            try:
                d.rmdir()
                removed += 1
            except OSError:
                pass
    return removed
