"""Running untrusted work (a student's notebook, a student's program) in a bubblewrap sandbox.

Each run gets its own PID, network, IPC, UTS, mount and cgroup namespaces, sees
only the toolchains, the course library and the directories it is given, runs
as an unprivileged UID (one per grading slot, see grader.slots) with no
capabilities and no_new_privs, and is held to limits: cgroups for process count,
memory and a fair CPU share, rlimits for address space, CPU time, file size,
open files and processes per UID, a disk quota on its writable directories,
and a wall clock after which everything it started is killed.
"""

import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sigcamp import toolchain

from . import slots
from .cgroups import CGROUP_PARENT, CGROUP_ROOT, Cgroups, remove_stale_cgroups  # noqa: F401

BASE_UID = slots.BASE_UID
PASS_ENV = ("SIGCAMP_TEST_RUN",)
REPO_PARTS = ("sigcamp", "grader", "go_samples", "c_samples", "internal", "go.mod", ".tools")
STOP = threading.Event()  # set when the grader is interrupted: every running sandbox is stopped
ETC_FILES = ("alternatives", "ld.so.cache", "localtime", "nsswitch.conf", "hosts", "passwd", "group")


class SandboxError(Exception):
    """The sandbox itself could not be set up (a grader fault, not the student's)."""


@dataclass(frozen=True)
class Limits:
    wall: float = 300.0            # seconds for the whole run
    memory: int = 2 << 30          # bytes, for the whole sandbox (cgroup)
    pids: int = 256                # processes and threads, for the whole sandbox (cgroup pids.max)
    nproc: int | None = None       # RLIMIT_NPROC for the slot's UID (default: pids)
    address_space: int = 8 << 30   # bytes per process (Go's runtime reserves ~1 GiB up front)
    cpu: int = 600                 # CPU seconds per process
    file_size: int = 256 << 20     # bytes per file written
    open_files: int = 1024
    disk: int = 4 << 30            # bytes in the writable directories together
    files: int = 200_000           # files in the writable directories together
    cpu_shares: int | None = None  # cgroup cpu.shares (default 1024 per CPU: one sandbox may use them all,
                                   # but a sandbox full of busy processes gets no more than another)


@dataclass
class Result:
    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    seconds: float
    killed_leftovers: int = 0
    oom_kills: int = 0            # processes the memory cgroup killed
    pids_refused: int = 0         # forks the pids cgroup refused
    over_disk: str | None = None  # why the run was stopped for its disk use
    output_bytes: int = 0         # stdout + stderr bytes produced (only the tails are kept)


@dataclass
class Sandbox:
    """A sandbox for one grading slot. enabled=False runs the same commands bare (for comparison)."""

    slot: int = 0
    limits: Limits = field(default_factory=Limits)
    enabled: bool = True

    @property
    def uid(self):
        return slots.uid(self.slot)

    def prepare(self, path):
        """Make a directory the sandbox may write (owned by the slot's UID)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.enabled and os.geteuid() == 0:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, self.uid, self.uid)
        return path

    def command(self, argv, *, binds, chdir, ro_binds=None, tmpfs=()):
        """The full argv: bwrap, the namespaces and binds, setpriv to the slot's UID, then argv.

        ro_binds (outside -> inside) come after the toolchains and the course's files, so
        one may cover a file of theirs; each of `tmpfs` is covered by an empty directory.
        """
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
        for outside, inside in (ro_binds or {}).items():
            cmd += self._parents(Path(inside)) + ["--ro-bind", str(outside), str(inside)]
        for path in tmpfs:
            cmd += ["--tmpfs", str(path), "--remount-ro", str(path)]
        for outside, inside in binds.items():
            cmd += self._parents(Path(inside)) + ["--bind", str(outside), str(inside)]
        cmd += ["--chdir", str(chdir), "--",
                shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                "--", *map(str, argv)]
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

    def run(self, argv, *, binds, chdir, ro_binds=None, tmpfs=(), env=None, stdin=b"", wall=None,
            max_output=1 << 20):
        """Run argv in the sandbox; kill everything it started after `wall` s. Returns a Result.

        binds (outside -> inside) are writable and count against the disk quota;
        only the last `max_output` bytes of stdout and stderr are kept.
        """
        wall = self.limits.wall if wall is None else wall
        cgroups = Cgroups.make(self) if self.enabled else None
        cmd = self.command(argv, binds=binds, chdir=chdir, ro_binds=ro_binds, tmpfs=tmpfs)
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.environment(env), start_new_session=True,
                                preexec_fn=lambda: self._child_limits(cgroups),
                                cwd=None if self.enabled else chdir)
        tails = [_Tail(proc.stdout, max_output), _Tail(proc.stderr, max_output)]
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
        timed_out, over_disk = False, None
        exited = _ExitWaiter(proc)
        try:
            deadline, next_disk = t0 + wall, t0 + 1.0
            while True:
                now = time.monotonic()
                if exited(max(0.0, min(deadline, next_disk, now + 0.5) - now)):
                    break
                now = time.monotonic()
                if now >= deadline or STOP.is_set():
                    timed_out = True
                    break
                if now >= next_disk:
                    over_disk = self._over_disk(binds)
                    if over_disk:
                        break
                    next_disk = now + 1.0
        finally:
            exited.close()
            _killpg(proc.pid)
            stats = cgroups.destroy() if cgroups else {}
            proc.wait()
            for t in tails:
                t.finish(timeout=2.0 if self.enabled else 0.5)
        return Result(None if timed_out or over_disk else proc.returncode, tails[0].data(), tails[1].data(),
                      timed_out, time.monotonic() - t0, stats.get("killed", 0), stats.get("oom_kills", 0),
                      stats.get("pids_refused", 0), over_disk, tails[0].total + tails[1].total)

    def _over_disk(self, binds):
        """Why the writable directories are over quota, or None."""
        if not self.enabled:
            return None
        used, files = disk_usage(list(binds), max_files=self.limits.files + 1)
        if files > self.limits.files:
            return f"it made more than {self.limits.files} files"
        if used > self.limits.disk:
            return f"it wrote more than {self.limits.disk >> 20} MiB to disk"
        return None

    def _child_limits(self, cgroups):
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if not self.enabled:
            return
        if cgroups:
            cgroups.enter()
        lim = self.limits
        nproc = lim.pids if lim.nproc is None else lim.nproc
        for res, value in ((resource.RLIMIT_AS, lim.address_space), (resource.RLIMIT_CPU, lim.cpu),
                           (resource.RLIMIT_FSIZE, lim.file_size), (resource.RLIMIT_NOFILE, lim.open_files),
                           (resource.RLIMIT_NPROC, nproc), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))


def disk_usage(paths, *, max_files=None):
    """(bytes allocated, files) under `paths`, not following symlinks; stops counting past max_files."""
    used = files = 0
    stack = [str(p) for p in paths]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for entry in it:
                files += 1
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                used += st.st_blocks * 512
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                if max_files and files >= max_files:
                    return used, files
    return used, files


class _ExitWaiter:
    """Waits for a process to exit, woken at once by a pidfd (Popen.wait polls, up to 50 ms late)."""

    def __init__(self, proc):
        self.proc = proc
        try:
            self.pidfd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            self.pidfd = None

    def __call__(self, timeout):
        """Whether the process has exited, waiting up to `timeout` s."""
        if self.pidfd is None:
            try:
                self.proc.wait(timeout=max(0.01, timeout))
                return True
            except subprocess.TimeoutExpired:
                return False
        if self.proc.poll() is None:
            select.select([self.pidfd], [], [], timeout)
        return self.proc.poll() is not None

    def close(self):
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _feed(pipe, data):
    try:
        if data:
            pipe.write(data)
    except OSError:
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


class _Tail:
    """Drains a pipe on its own thread, keeping only its last `limit` bytes (and the total count)."""

    def __init__(self, pipe, limit):
        self.pipe, self.limit, self.total = pipe, limit, 0
        self.chunks, self.kept = [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self):
        fd = self.pipe.fileno()
        while not self.stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            self.chunks.append(chunk)
            self.kept += len(chunk)
            while self.kept - len(self.chunks[0]) >= self.limit:
                self.kept -= len(self.chunks.pop(0))

    def finish(self, *, timeout):
        """Wait for EOF (or give up after `timeout` s, when a stray holder keeps the pipe open)."""
        self.thread.join(timeout)
        self.stop.set()
        self.thread.join()
        self.pipe.close()

    def data(self):
        return b"".join(self.chunks)[-self.limit:] if self.limit else b""


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
