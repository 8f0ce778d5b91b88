"""The course environment of the hub: a Python every student can run, and the hub's proxy.

The development venv (.venv) may be built on an interpreter only its owner can read (pyenv under
/root, for one); students' kernels run as other Unix users and could not start from it. So the hub
gets its own environment, .hub/env, made from the system's Python (Debian's python3), with the course
(editable, so it follows the repository), JupyterHub, the idle culler and the authenticator at the
versions pinned in pyproject.toml's `hub` extra, the `sigcamp` kernel spec and the JupyterLab
settings. Like /usr it is root's and readable by every user (it holds no secret): the students'
kernels run from it, and so do the grader's sandboxes, whose slot UIDs belong to no group.
configurable-http-proxy comes from npm into .hub/node, at the version locked in hub/package-lock.json.
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from .. import toolchain
from ..errors import SigcampError
from . import accounts

HUB_DIR = Path(os.environ.get("SIGCAMP_HUB_DIR", toolchain.ROOT / ".hub"))
ENV = HUB_DIR / "env"
NODE = HUB_DIR / "node"
STATE = HUB_DIR / "state"
CONFIG = toolchain.ROOT / "hub" / "jupyterhub_config.py"
PACKAGE_FILES = (toolchain.ROOT / "hub" / "package.json", toolchain.ROOT / "hub" / "package-lock.json")
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
STAMP = ENV / ".sigcamp-hub-installed"


class CourseEnvError(SigcampError):
    """The course environment cannot be made or is not usable by the students."""


def python():
    """The course environment's interpreter."""
    return ENV / "bin" / "python"


def proxy():
    """The configurable-http-proxy command in .hub/node."""
    return NODE / "node_modules" / ".bin" / "configurable-http-proxy"


def readable_by_all(path):
    """The first folder on the way to `path` (itself included) that other users cannot pass, or None."""
    path = Path(path).resolve()
    for p in [*reversed(path.parents), path]:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return p
        if not stat.S_ISDIR(mode) and not mode & stat.S_IROTH:
            return p
    return None


def base_python():
    """A system Python >= 3.11 that every user can run (its files readable all the way down)."""
    for cand in SYSTEM_PYTHONS:
        if not Path(cand).exists():
            continue
        real = Path(cand).resolve()
        if readable_by_all(real) is None and _version_ok(cand):
            return cand
    raise CourseEnvError("no Python >= 3.11 that every user can run: apt-get install -y python3 python3-venv "
                         "(the students' kernels cannot use a Python only root can read)")


def _version_ok(exe):
    proc = subprocess.run([exe, "-c", "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"],
                          capture_output=True, timeout=60)
    return proc.returncode == 0


def _fingerprint():
    h = hashlib.sha256()
    for f in (toolchain.ROOT / "pyproject.toml", *PACKAGE_FILES, toolchain.ROOT / "sigcamp" / "lab.py"):
        h.update(f.read_bytes())
    return h.hexdigest()


def ensure(*, log=print):
    """Make or update .hub/env and .hub/node (a no-op when both are current); return ENV."""
    if os.geteuid() != 0:
        raise CourseEnvError("the hub's environment is set up by root (it makes accounts and drops to them): "
                             "run `sudo make hub`")
    blocked = readable_by_all(toolchain.ROOT)
    if blocked is not None:
        raise CourseEnvError(f"students cannot read the course at {toolchain.ROOT} ({blocked} is closed to them): "
                             "put the repository where every user can read it (e.g. /srv/sigcamp), or run "
                             f"`chmod o+x {blocked}`")
    HUB_DIR.mkdir(exist_ok=True)
    os.chmod(HUB_DIR, 0o755)
    fingerprint = _fingerprint()
    if not (STAMP.exists() and STAMP.read_text() == fingerprint and python().exists()):
        _install_python(log)
        STAMP.write_text(fingerprint)
    if not proxy().exists() or any(f.stat().st_mtime > proxy().stat().st_mtime for f in PACKAGE_FILES):
        _install_proxy(log)
    accounts.ensure_group()
    os.chmod(ENV, 0o755)
    STATE.mkdir(exist_ok=True)
    os.chmod(STATE, 0o700)
    return ENV


def _install_python(log):
    base = base_python()
    if not python().exists():
        log(f"hub: creating the course environment {ENV} with {base}")
        _run([base, "-m", "venv", str(ENV)])
    log("hub: installing the course and JupyterHub into it")
    pip = [str(python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, "--upgrade", "pip"])
    _run([*pip, "-e", f"{toolchain.ROOT}[hub]"])
    _run([str(python()), "-m", "ipykernel", "install", "--sys-prefix", "--name", "sigcamp",
          "--display-name", "Python (sigcamp)"])
    _run([str(python()), "-c", f"from sigcamp import lab; lab.write_settings({str(ENV)!r})"])


def _install_proxy(log):
    npm = shutil.which("npm")
    if not npm:
        raise CourseEnvError("npm not found: the hub's proxy is configurable-http-proxy from npm "
                             "(apt-get install -y nodejs npm)")
    log(f"hub: installing configurable-http-proxy into {NODE}")
    NODE.mkdir(parents=True, exist_ok=True)
    for f in PACKAGE_FILES:
        shutil.copy2(f, NODE / f.name)
    _run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(NODE)])
    os.utime(proxy(), follow_symlinks=True)


def _run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise CourseEnvError(f"{' '.join(argv)} failed:\n{(proc.stdout + proc.stderr).strip()[-2000:]}")
    return proc


if __name__ == "__main__":  # python -m sigcamp.hub.courseenv: set it up and say where it is
    print(ensure())
    sys.exit(0)
