"""A runtime patched with `go build -overlay` prints inside sighandler; GOROOT stays untouched."""

import hashlib
import json

from sigcamp import overlay, samples, toolchain


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
    assert "sigcamp: sighandler sig=2" in out.output
    assert "SIGINT" in set(df["signal"])

    plain = samples.build("notify-exit")
    assert overlay.MARK.encode() not in plain.read_bytes()
    assert overlay.MARK.encode() in overlay.build("notify-exit").read_bytes()

    after = (hashlib.sha256(original.read_bytes()).hexdigest(), original.stat().st_mtime_ns)
    assert after == before
