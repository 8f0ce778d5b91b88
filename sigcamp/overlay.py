"""A patched Go runtime without touching GOROOT: `go build -overlay`.

`build()` compiles a sample against a copy of runtime/signal_unix.go whose
`sighandler` first prints the signal number, so every signal the Go handler
takes shows up in the output. `run()` runs it and lists those lines.
"""

import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd

from . import procfs, samples, session, toolchain
from .errors import SigcampError

MARK = "sigcamp: sighandler sig="
PRINT = f'\tprint("{MARK}", sig, "\\n") // added by sigcamp.overlay'
SOURCE = Path("src") / "runtime" / "signal_unix.go"
_FUNC = re.compile(r"^func sighandler\(sig uint32, .*\) \{$", re.M)
_LINE = re.compile(re.escape(MARK) + r"(\d+)")


def patch(source, *, line=PRINT):
    """The text of signal_unix.go with `line` inserted at the top of `func sighandler`.

    Only the runtime's print/println are safe there: no allocation, no write barriers.
    """
    m = _FUNC.search(source)
    if not m:
        raise SigcampError("`func sighandler(sig uint32, ...) {` not found in runtime/signal_unix.go; "
                           "this Go version's handler looks different: update sigcamp.overlay")
    return source[: m.end()] + "\n" + line + source[m.end():]


def overlay_file(*, line=PRINT):
    """Write the patched file and its overlay JSON under _build/overlay/; return the JSON's path.

    The key is GOROOT exactly as `go env GOROOT` prints it (a key through another
    spelling of the path is silently ignored). The directory is named by a hash
    of the patched text, so a changed patch is a new build, never a stale one.
    """
    original = toolchain.go().goroot / SOURCE
    text = patch(original.read_text(), line=line)
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


def build(name, *, gcflags=None):
    """Build sample `name` against the patched runtime; return the binary's path.

    The first build recompiles the runtime and everything above it (several
    seconds); later ones come from _build. Raises SigcampError if the patch is
    not in the binary.
    """
    binary = samples.build(name, gcflags=gcflags, overlay=overlay_file())
    if MARK.encode() not in binary.read_bytes():
        raise SigcampError(f"{binary} was built without the patched sighandler: the overlay was ignored. "
                           "Its key must be $(go env GOROOT)/src/runtime/signal_unix.go, spelled exactly so.")
    return binary


def run(name, send="ctrl-c", *, wait=5.0, env=None, args=()):
    """Run the patched build of sample `name`, send (as sigcamp.run), return the handler's lines.

    One row per `sighandler` entry: order, sig (number), signal (name). The
    DataFrame's attrs hold "outcome" (sigcamp.Outcome) and "binary".
    """
    sample = samples.find(name)
    binary = build(sample)
    outcome = session.run(binary, send, wait=wait, env={**sample.env, **(env or {})},
                          args=args or sample.args)
    df = handler_lines(outcome.output)
    df.attrs.update(outcome=outcome, binary=str(binary))
    return df


def handler_lines(output):
    """A DataFrame (order, sig, signal) of the `sigcamp: sighandler sig=N` lines in output."""
    sigs = [int(m.group(1)) for m in _LINE.finditer(output)]
    return pd.DataFrame({"order": range(len(sigs)), "sig": sigs, "signal": [procfs.name(s) for s in sigs]},
                        columns=["order", "sig", "signal"])


def goroot_source_state():
    """sha256 and mtime of GOROOT's runtime/signal_unix.go, to show an overlay build leaves it untouched."""
    path = toolchain.go().goroot / "src" / "runtime" / "signal_unix.go"
    return {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16],
            "mtime_ns": path.stat().st_mtime_ns}
