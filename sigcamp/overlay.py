"""A patched Go runtime without touching GOROOT: `go build -overlay`.

`build()` compiles a sample against a copy of runtime/signal_unix.go with one
line of code added to `sighandler` (by default a print of the signal number and
of the PC and SP it interrupted),
so every signal the Go handler takes shows up in the output. `attempt()` tries
any patch and returns the compiler's answer instead of raising; `run()` runs
the patched build and lists the handler's lines.
"""

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import procfs, samples, session, toolchain
from .errors import BuildError, SigcampError

MARK = "sigcamp: sighandler sig="
# The signal, and where it interrupted the thread: the PC and SP saved in the handler's context c.
PRINT = f'\tprint("{MARK}", sig, " pc=", hex(c.sigpc()), " sp=", hex(c.sigsp()), "\\n") // added by sigcamp.overlay'
AFTER = "c := &sigctxt{info, ctxt}"  # where PRINT goes: once the context c exists
SOURCE = Path("src") / "runtime" / "signal_unix.go"
_FUNC = re.compile(r"^func sighandler\(sig uint32, .*\) \{$", re.M)
_LINE = re.compile(re.escape(MARK) + r"(\d+)(?: pc=(0x[0-9a-f]+) sp=(0x[0-9a-f]+))?")
_COMPILER = re.compile(r"^(\S+\.go):(\d+):(\d+): (.*)$", re.M)


def _body(source):
    """(start, end) offsets of sighandler's body in signal_unix.go."""
    m = _FUNC.search(source)
    if not m:
        raise SigcampError("`func sighandler(sig uint32, ...) {` not found in runtime/signal_unix.go; "
                           "this Go version's handler looks different: update sigcamp.overlay")
    end = source.index("\n}\n", m.end())
    return m.end(), end


def find_in_sighandler(source, code):
    """The 1-based line number in signal_unix.go of the first line of sighandler that contains `code`, or None."""
    start, end = _body(source)
    pos = source.find(code, start, end)
    return None if pos < 0 else source.count("\n", 0, pos) + 1


def patch(source, *, line=PRINT, after=None, before=None):
    """The text of signal_unix.go with `line` added to `func sighandler`.

    Placed before the first line of the function that contains `before`, else
    after the first that contains `after`, else at the top of the function.
    Only the runtime's print/println are safe there: no allocation, no write
    barriers.
    """
    start, end = _body(source)
    anchor = before or after
    if anchor is None:
        return source[:start] + "\n" + line + source[start:]
    pos = source.find(anchor, start, end)
    if pos < 0:
        raise SigcampError(f"`{anchor}` is not in this Go release's sighandler: choose another place for the patch")
    cut = source.rindex("\n", 0, pos) if before else source.index("\n", pos)
    return source[:cut] + "\n" + line + source[cut:]


def overlay_file(*, line=PRINT, after=AFTER, before=None):
    """Write the patched file and its overlay JSON under _build/overlay/; return the JSON's path.

    The key is GOROOT exactly as `go env GOROOT` prints it (a key through another
    spelling of the path is silently ignored). The directory is named by a hash
    of the patched text, so a changed patch is a new build, never a stale one.
    """
    original = toolchain.go().goroot / SOURCE
    text = patch(original.read_text(), line=line, after=after, before=before)
    digest = hashlib.sha256(str(original).encode() + b"\0" + text.encode()).hexdigest()[:12]
    out_dir = toolchain.BUILD / "overlay" / digest
    patched, spec = out_dir / "signal_unix.go", out_dir / "overlay.json"
    if spec.exists() and patched.exists():
        return spec
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(patched, text)
    _write(spec, json.dumps({"Replace": {str(original): str(patched)}}, indent=2) + "\n")
    return spec


def _write(path, text):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def build(name, *, gcflags=None, line=PRINT, after=AFTER, before=None, mark=MARK):
    """Build sample `name` against the patched runtime; return the binary's path.

    The first build recompiles the runtime and everything above it (several
    seconds); later ones come from _build. Raises SigcampError if `mark` (a
    string the patch prints) is not in the binary: the overlay was ignored.
    """
    binary = samples.build(name, gcflags=gcflags, overlay=overlay_file(line=line, after=after, before=before))
    if mark and mark.encode() not in binary.read_bytes():
        raise SigcampError(f"{binary} was built without the patched sighandler: the overlay was ignored. "
                           "Its key must be $(go env GOROOT)/src/runtime/signal_unix.go, spelled exactly so.")
    return binary


@dataclass
class Attempt:
    """A patched build tried: binary (None when it did not compile) and the compiler's messages."""

    binary: Path | None
    errors: list  # [(file name, line, column, message)]
    line: str

    @property
    def compiled(self):
        return self.binary is not None


def attempt(name, *, line, after=None, before=None):
    """Try to build sample `name` with `line` patched into sighandler; never raises for a compile error."""
    try:
        return Attempt(build(name, line=line, after=after, before=before, mark=None), [], line)
    except BuildError as e:
        found = [(Path(f).name, int(n), int(c), msg) for f, n, c, msg in _COMPILER.findall(str(e))]
        if not found:
            raise
        return Attempt(None, found, line)


def run(name, send="ctrl-c", *, wait=5.0, env=None, args=(), line=PRINT, after=AFTER):
    """Run the patched build of sample `name`, send (as sigcamp.run), return the handler's lines.

    One row per `sighandler` entry: order, sig (number), signal (name), pc, sp.
    The DataFrame's attrs hold "outcome" (sigcamp.Outcome) and "binary".
    """
    sample = samples.find(name)
    binary = build(sample, line=line, after=after)
    outcome = session.run(binary, send, wait=wait, env={**sample.env, **(env or {})},
                          args=args or sample.args)
    df = handler_lines(outcome.output)
    df.attrs.update(outcome=outcome, binary=str(binary))
    return df


def handler_lines(output):
    """A DataFrame (order, sig, signal, pc, sp) of the `sigcamp: sighandler sig=N ...` lines in output."""
    rows = [{"order": i, "sig": int(m.group(1)), "signal": procfs.name(int(m.group(1))), "pc": m.group(2),
             "sp": m.group(3)} for i, m in enumerate(_LINE.finditer(output))]
    return pd.DataFrame(rows, columns=["order", "sig", "signal", "pc", "sp"])


def goroot_source_state():
    """sha256 and mtime of GOROOT's runtime/signal_unix.go, to show an overlay build leaves it untouched."""
    path = toolchain.go().goroot / "src" / "runtime" / "signal_unix.go"
    return {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16],
            "mtime_ns": path.stat().st_mtime_ns}


def summary(entries):
    """handler_lines() per signal, in the order each first appeared: signal, handler lines, first at (the
    line's number among the handler's lines, from 1), first pc, first sp."""
    rows = [{"signal": sig, "handler lines": len(g), "first at": int(g["order"].iloc[0]) + 1,
             "first pc": g["pc"].iloc[0], "first sp": g["sp"].iloc[0]}
            for sig, g in entries.groupby("signal", sort=False)]
    return pd.DataFrame(rows, columns=["signal", "handler lines", "first at", "first pc", "first sp"])
