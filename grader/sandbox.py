"""Running untrusted work (a student's notebook, a student's program) in a bubblewrap sandbox.

Each run gets its own PID, network, IPC and UTS namespaces, sees only the
toolchains, the course library and its own job directories, runs as an
unprivileged UID (one per grading slot), and is held to limits: a cgroup for
process count and memory, rlimits for CPU time, file size and open files, and a
wall clock after which the whole sandbox is killed.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sigcamp import toolchain

BASE_UID = 61000
CGROUP_ROOT = Path("/sys/fs/cgroup")
PASS_ENV = ("SIGCAMP_TEST_RUN",)
REPO_PARTS = ("sigcamp", "grader", "go_samples", "c_samples", "internal", "go.mod", ".tools")
ETC_FILES = ("alternatives", "ld.so.cache", "localtime", "nsswitch.conf", "hosts", "passwd", "group")


class SandboxError(Exception):
    """The sandbox itself could not be set up (a grader fault, not the student's)."""


@dataclass(frozen=True)
class Limits:
    wall: float = 300.0          # seconds for the whole run
    memory: int = 2 << 30        # bytes, for the whole sandbox (cgroup)
    pids: int = 256              # processes and threads, for the whole sandbox (cgroup)
    address_space: int = 8 << 30  # bytes per process (Go's runtime reserves ~1 GiB up front)
    cpu: int = 600               # CPU seconds per process
    file_size: int = 256 << 20   # bytes per file written
    open_files: int = 1024


@dataclass
class Result:
    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    seconds: float
    killed_leftovers: int = 0


@dataclass
class Sandbox:
    """A sandbox for one grading slot. enabled=False runs the same commands bare (for comparison)."""

    slot: int = 0
    limits: Limits = field(default_factory=Limits)
    enabled: bool = True

    @property
    def uid(self):
        return BASE_UID + self.slot

    def prepare(self, path):
        """Make a directory the sandbox may write (owned by the slot's UID)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.enabled and os.geteuid() == 0:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, self.uid, self.uid)
        return path

    def command(self, argv, *, binds, chdir):
        """The full argv: bwrap, the namespaces and binds, setpriv to the slot's UID, then argv."""
        if not self.enabled:
            return list(map(str, argv))
        bwrap = shutil.which("bwrap")
        if not bwrap:
            raise SandboxError("bubblewrap is not installed: apt-get install -y bubblewrap "
                               "(or grade with --no-sandbox on a trusted machine)")
        cmd = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
               "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
               "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
        for name in ETC_FILES:
            if Path("/etc", name).exists():
                cmd += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        ro = [Path(sys.base_prefix), Path(sys.prefix), toolchain.go().goroot]
        ro += [toolchain.ROOT / p for p in REPO_PARTS if (toolchain.ROOT / p).exists()]
        for path in ro:
            cmd += self._parents(path) + ["--ro-bind", str(path), str(path)]
        for outside, inside in binds.items():
            cmd += self._parents(Path(inside)) + ["--bind", str(outside), str(inside)]
        cmd += ["--chdir", str(chdir), "--",
                shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", *map(str, argv)]
        return cmd

    @staticmethod
    def _parents(path):
        """--dir entries (mode 0755) for a bind's parents, which bwrap would otherwise make 0700."""
        out = []
        for parent in reversed(path.parents):
            if str(parent) not in ("/", "/usr", "/tmp"):
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    def environment(self, extra=None):
        """A clean environment for the inside: toolchains on PATH, caches in the job's directories."""
        env = {"PATH": os.pathsep.join([str(Path(sys.prefix) / "bin"), str(toolchain.go().goroot / "bin"),
                                        "/usr/local/bin", "/usr/bin", "/bin"]),
               "HOME": "/tmp", "LANG": "C.UTF-8", "TERM": "dumb", "GOTOOLCHAIN": "local",
               "GOFLAGS": "-buildvcs=false", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
               "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config", "IPYTHONDIR": "/tmp/ipython",
               "MPLCONFIGDIR": "/tmp/mpl", "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        env.update({k: os.environ[k] for k in PASS_ENV if k in os.environ})
        env.update(extra or {})
        if not self.enabled:
            env = {**os.environ, **env}
        return env

    def run(self, argv, *, binds, chdir, env=None, stdin=b"", wall=None, max_output=1 << 20):
        """Run argv in the sandbox; kill everything it started after `wall` s. Returns a Result."""
        wall = self.limits.wall if wall is None else wall
        cgroups = _Cgroups.make(self) if self.enabled else None
        cmd = self.command(argv, binds=binds, chdir=chdir)
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.environment(env), start_new_session=True,
                                preexec_fn=lambda: self._child_limits(cgroups),
                                cwd=None if self.enabled else chdir)
        timed_out = False
        try:
            out, err = proc.communicate(stdin, timeout=wall)
        except subprocess.TimeoutExpired:
            timed_out = True
            _killpg(proc.pid)
            out, err = proc.communicate()
        except BaseException:
            _killpg(proc.pid)
            proc.wait()
            raise
        finally:
            _killpg(proc.pid)
            leftovers = cgroups.destroy() if cgroups else 0
        return Result(None if timed_out else proc.returncode, out[-max_output:], err[-max_output:],
                      timed_out, time.monotonic() - t0, leftovers)

    def _child_limits(self, cgroups):
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if not self.enabled:
            return
        if cgroups:
            cgroups.enter()
        lim = self.limits
        for res, value in ((resource.RLIMIT_AS, lim.address_space), (resource.RLIMIT_CPU, lim.cpu),
                           (resource.RLIMIT_FSIZE, lim.file_size), (resource.RLIMIT_NOFILE, lim.open_files),
                           (resource.RLIMIT_NPROC, lim.pids), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class _Cgroups:
    """cgroup v1 groups (pids, memory) for one sandbox run; empty when cgroups are not writable."""

    dirs: list

    @classmethod
    def make(cls, sandbox):
        name = f"sigcamp-grader/{os.getpid()}-{sandbox.slot}-{time.monotonic_ns()}"
        dirs = []
        for controller, settings in (("pids", {"pids.max": sandbox.limits.pids}),
                                     ("memory", {"memory.limit_in_bytes": sandbox.limits.memory})):
            d = CGROUP_ROOT / controller / name
            try:
                d.mkdir(parents=True)
                for key, value in settings.items():
                    (d / key).write_text(str(value))
                dirs.append(d)
            except OSError:
                continue
        return cls(dirs)

    def enter(self):
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def destroy(self):
        """Kill whatever is still in the groups, then remove them; returns how many were killed."""
        killed = 0
        for d in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for p in pids:
                    try:
                        os.kill(p, signal.SIGKILL)
                        killed += 1
                    except ProcessLookupError:
                        pass
                time.sleep(0.02)
            try:
                d.rmdir()
            except OSError:
                pass
        return killed
