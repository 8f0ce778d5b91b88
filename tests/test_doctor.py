"""`python -m sigcamp doctor` reports this machine ready, and names the fix when Go is missing."""

import os
import subprocess
import sys


def doctor(env=None):
    return subprocess.run([sys.executable, "-m", "sigcamp", "doctor"], capture_output=True, text=True,
                          timeout=300, env=env)


def test_doctor_passes_here():
    proc = doctor()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for item in ("Go >= 1.25", "cgo build", "delve", "ptrace", "/proc", "pseudo-terminals", "strace", "gdb"):
        assert item in proc.stdout


def test_doctor_without_go_fails_with_the_fix():
    proc = doctor({**os.environ, "SIGCAMP_GO": "/nonexistent/go"})
    assert proc.returncode == 1
    assert "FAIL Go >= 1.25" in proc.stdout and "fix:" in proc.stdout
