"""The course's sample programs: find them, read their headers, build them once.

A sample is a directory under go_samples/ (pure Go) or c_samples/ (cgo, or C
alone). Its main file opens with a header of `//` comments (see STYLE.md) that
says what it does and what a run must show; tests hold every sample to it. The
header ends at the first empty `//` line; prose comments may follow.
"""

import difflib
import fcntl
import hashlib
import os
import re
import shlex
import signal as _signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import toolchain
from .errors import BuildError, HeaderError, UnknownSample  # noqa: F401 (re-exported)

SAMPLE_DIRS = ("go_samples", "c_samples")
SHARED_GO = ("go.mod", "internal")  # module files every Go build depends on
LAUNCHES = ("direct", "setsid", "background", "nohup", "pid1")
KEYS = {"Send", "Env", "Args", "Launch", "Output contains", "Output lacks", "Exit", "Wait", "Ready"}


@dataclass(frozen=True)
class Send:
    """One step of a sample's Send: line: what to send, and the text to wait for first."""

    what: str  # "ctrl-c" or a signal name such as "SIGTERM"
    after: str | None = None


@dataclass(frozen=True)
class Sample:
    name: str
    dir: Path
    main: Path
    kind: str  # "go", "cgo" or "c"
    summary: str
    send: tuple = ()
    env: dict = field(default_factory=dict)
    args: tuple = ()
    launch: str = "direct"
    output_contains: tuple = ()
    output_lacks: tuple = ()
    exit: str = "0"  # "130", "killed by SIGINT" or "survives"
    wait: float = 5.0
    ready: str = "READY"

    def expected_exit(self):
        """(exit_code, signal_name, survives) that the Exit: line asks for."""
        if self.exit == "survives":
            return None, None, True
        m = re.fullmatch(r"killed by (SIG[A-Z0-9]+)", self.exit)
        if m:
            return None, m.group(1), False
        return int(self.exit), None, False


def _roots():
    return [toolchain.ROOT / d for d in SAMPLE_DIRS]


def names():
    """Names of every sample, sorted."""
    found = []
    for root in _roots():
        if root.is_dir():
            found += [p.name for p in root.iterdir() if _main_file(p)]
    return sorted(found)


def _main_file(d):
    if not d.is_dir() or d.name == "internal":
        return None
    for stem in ("main.go", "main.c"):
        if (d / stem).is_file():
            return d / stem
    return None


def find(name):
    """The Sample called `name`; UnknownSample (with close matches) when there is none."""
    for root in _roots():
        main = _main_file(root / name)
        if main:
            return parse(main)
    close = difflib.get_close_matches(name, names(), n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else f" Known samples: {', '.join(names())}."
    raise UnknownSample(f"no sample named {name!r} under go_samples/ or c_samples/.{hint}")


def all_samples():
    return [find(n) for n in names()]


def _header_lines(main):
    lines = []
    for raw in main.read_text().splitlines():
        s = raw.strip()
        if not s.startswith("//"):
            break
        lines.append(s[2:].strip())
    return lines


def parse(main):
    """Parse a sample's header. Raises HeaderError naming the file and the fix."""
    main = Path(main)
    name = main.parent.name
    lines = _header_lines(main)
    where = f"{main.relative_to(toolchain.ROOT) if main.is_relative_to(toolchain.ROOT) else main}"
    if not lines or not lines[0].startswith(f"{name}:"):
        raise HeaderError(f"{where}: the first line must be `// {name}: <what the sample shows>`")
    summary = lines[0][len(name) + 1:].strip()
    if not summary:
        raise HeaderError(f"{where}: the first line needs a one-line summary after `{name}:`")
    fields, by_release = {}, {}
    for line in lines[1:]:
        if not line:
            break  # a blank comment line ends the header; prose follows
        m = re.match(r"([A-Za-z ]+?)(?: (go\d+\.\d+))?: (.*)$", line)
        if not m:
            raise HeaderError(f"{where}: header line {line!r} is not `Key: value`; end the header with "
                              "an empty `//` line before prose")
        key, release, value = m.group(1), m.group(2), m.group(3).strip()
        if key not in KEYS:
            raise HeaderError(f"{where}: unknown header key {key!r}; known keys: {', '.join(sorted(KEYS))}")
        if release:
            by_release.setdefault(key, []).append((toolchain.parse_go_version(release)[:2], value))
        else:
            fields.setdefault(key, []).append(value)
    if by_release:
        _apply_releases(fields, by_release, toolchain.go().version[:2])
    for key in ("Send", "Exit"):
        if key not in fields:
            raise HeaderError(f"{where}: the header needs a `// {key}: ...` line")
    for key, values in fields.items():
        if len(values) > 1 and key not in ("Output contains", "Output lacks"):
            raise HeaderError(f"{where}: `{key}:` appears {len(values)} times; give it once")
    one = {k: v[0] for k, v in fields.items()}
    exit_ = one["Exit"]
    if not re.fullmatch(r"\d{1,3}|killed by SIG[A-Z0-9]+|survives", exit_):
        raise HeaderError(f"{where}: `Exit: {exit_}` must be a number, `killed by SIGNAME` or `survives`")
    if exit_.startswith("killed by"):
        _check_signal(exit_.split()[-1], where)
    launch = one.get("Launch", "direct")
    if launch not in LAUNCHES:
        raise HeaderError(f"{where}: `Launch: {launch}` must be one of {', '.join(LAUNCHES)}")
    try:
        wait = float(one.get("Wait", 5))
    except ValueError:
        raise HeaderError(f"{where}: `Wait: {one['Wait']}` must be a number of seconds") from None
    env = {}
    for item in shlex.split(one.get("Env", "")):
        if "=" not in item:
            raise HeaderError(f"{where}: `Env:` items must be NAME=value, got {item!r}")
        k, v = item.split("=", 1)
        env[k] = v
    kind = "c" if main.suffix == ".c" else ("cgo" if main.parent.parent.name == "c_samples" else "go")
    return Sample(
        name=name, dir=main.parent, main=main, kind=kind, summary=summary,
        send=_parse_send(one["Send"], where), env=env, args=tuple(shlex.split(one.get("Args", ""))),
        launch=launch, output_contains=tuple(fields.get("Output contains", ())),
        output_lacks=tuple(fields.get("Output lacks", ())), exit=exit_, wait=wait,
        ready=one.get("Ready", "READY"),
    )


def _apply_releases(fields, by_release, version):
    """Fold `Key goX.Y: value` lines into fields for Go `version`: such a line holds from that release
    on; the newest one not after `version` replaces the plain `Key:` (repeatable keys add to it)."""
    for key, entries in by_release.items():
        applicable = sorted((r, v) for r, v in entries if r <= version)
        if not applicable:
            continue
        if key in ("Output contains", "Output lacks"):
            fields.setdefault(key, []).extend(v for _, v in applicable)
        else:
            fields[key] = [applicable[-1][1]]


def _check_signal(sig, where):
    if not hasattr(_signal, sig) or not isinstance(getattr(_signal, sig), _signal.Signals):
        raise HeaderError(f"{where}: {sig!r} is not a signal name (use names like SIGINT, SIGTERM)")


def _parse_send(text, where):
    if text == "nothing":
        return ()
    steps = []
    for part in text.split(";"):
        m = re.fullmatch(r'\s*(tty \^C|SIG[A-Z0-9]+)(?:\s+after\s+"([^"]+)")?\s*', part)
        if not m:
            raise HeaderError(
                f'{where}: cannot read `Send: {text}`; write steps like `tty ^C`, `SIGTERM`, '
                '`tty ^C after "text"`, separated by `;`, or `nothing`')
        what = "ctrl-c" if m.group(1) == "tty ^C" else m.group(1)
        if what != "ctrl-c":
            _check_signal(what, where)
        steps.append(Send(what, m.group(2)))
    return tuple(steps)


def _sources(sample):
    files = sorted(p for p in sample.dir.rglob("*") if p.is_file())
    if sample.kind != "c":
        root = toolchain.ROOT
        files.append(root / "go.mod")
        if (root / "internal").is_dir():
            files += sorted(p for p in (root / "internal").rglob("*") if p.is_file())
    return files


def _fingerprint(sample, compiler_version):
    h = hashlib.sha256(compiler_version.encode())
    for p in _sources(sample):
        h.update(str(p.relative_to(toolchain.ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def build(name, *, gcflags=None, overlay=None):
    """Build a sample once into _build/bin/ and return the executable's path.

    Builds are cached by a hash of the sources and the compiler version;
    concurrent builds of the same sample take a lock and write atomically.
    """
    sample = find(name) if isinstance(name, str) else name
    if sample.kind == "c":
        cc = toolchain.gcc()
        version = subprocess.run([str(cc), "--version"], capture_output=True, text=True).stdout
    else:
        version = toolchain.go().version_text + " " + str(toolchain.go().path)
    extra = f" gcflags={gcflags} overlay={overlay and Path(overlay).read_text()}"
    out_dir = toolchain.BUILD / "bin"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{sample.name}-{_fingerprint(sample, version + extra)}"
    if out.exists():
        return out
    lock_dir = toolchain.BUILD / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if out.exists():
            return out
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            _compile(sample, tmp, gcflags=gcflags, overlay=overlay)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return out


def _compile(sample, out, *, gcflags, overlay):
    if sample.kind == "c":
        srcs = sorted(str(p) for p in sample.dir.glob("*.c"))
        cmd = [str(toolchain.gcc()), "-O2", "-g", "-Wall", "-pthread", "-o", str(out), *srcs]
        env = None
    else:
        if sample.kind == "cgo":
            toolchain.gcc()
        cmd = [str(toolchain.go().path), "build", "-o", str(out)]
        if gcflags:
            cmd.append(f"-gcflags={gcflags}")
        if overlay:
            cmd.append(f"-overlay={overlay}")
        cmd.append("./" + str(sample.dir.relative_to(toolchain.ROOT)))
        env = toolchain.go_env({"CGO_ENABLED": "1" if sample.kind == "cgo" else "0"})
    proc = subprocess.run(cmd, cwd=toolchain.ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"building sample {sample.name!r} failed:\n$ {' '.join(cmd)}\n{proc.stderr.strip()}")


def source(name):
    """The text of a sample's main file, header included."""
    return find(name).main.read_text()
