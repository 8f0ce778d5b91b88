"""A runtime patched with `go build -overlay` prints inside sighandler; GOROOT stays untouched."""

import hashlib
import json

import pytest

from sigcamp import overlay, samples, toolchain
from sigcamp.errors import SigcampError


def test_patched_sighandler_prints_on_sigint_and_goroot_is_unchanged():
    original = toolchain.go().goroot / "src" / "runtime" / "signal_unix.go"
    before = (hashlib.sha256(original.read_bytes()).hexdigest(), original.stat().st_mtime_ns)

    spec = overlay.overlay_file()
    replace = json.loads(spec.read_text())["Replace"]
    assert list(replace) == [str(original)]
    patched = replace[str(original)]
    assert patched.startswith(str(toolchain.BUILD / "overlay"))

    df = overlay.run("notify-exit", send="ctrl-c")
    out = df.attrs["outcome"]
    assert out.exit_code == 130
    assert "sigcamp: sighandler sig=2 pc=0x" in out.output
    sigint = df[df["signal"] == "SIGINT"].iloc[0]
    assert sigint["pc"].startswith("0x") and sigint["sp"].startswith("0x")

    plain = samples.build("notify-exit")
    assert overlay.MARK.encode() not in plain.read_bytes()
    assert overlay.MARK.encode() in overlay.build("notify-exit").read_bytes()

    after = (hashlib.sha256(original.read_bytes()).hexdigest(), original.stat().st_mtime_ns)
    assert after == before


def test_patch_places_the_line_and_refuses_a_missing_anchor():
    source = (toolchain.go().goroot / overlay.SOURCE).read_text()
    text = overlay.patch(source, line="\t// here", before="sig == _SIGTRAP")
    lines = text.splitlines()
    i = lines.index("\t// here")
    assert "sig == _SIGTRAP" in lines[i + 1]
    with pytest.raises(SigcampError, match="not in this Go release's sighandler"):
        overlay.patch(source, line="\t// here", after="case _SIGTRAP:")
    assert overlay.find_in_sighandler(source, "case _SIGTRAP:") is None


def test_a_patch_that_does_not_compile_returns_the_compilers_answer():
    attempt = overlay.attempt("notify-exit", line="\tprint(undefinedName)", after=overlay.AFTER)
    assert not attempt.compiled and attempt.binary is None
    assert [(f, msg) for f, _, _, msg in attempt.errors] == [("signal_unix.go", "undefined: undefinedName")]
