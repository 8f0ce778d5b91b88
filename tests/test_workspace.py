"""The student's workspace and `make lab`: copies that never touch the sources, resets that lose
nothing, and a JupyterLab that starts for root and non-root on 127.0.0.1 with a token."""

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sigcamp import lab, toolchain, workspace
from sigcamp.errors import SigcampError


def _digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def course(tmp_path):
    """A small course tree: two chapters (one in a zh/ edition), a lab with a file and a script."""
    root = tmp_path / "course"
    (root / "notebooks" / "zh").mkdir(parents=True)
    (root / "notebooks" / "01-intro.ipynb").write_text('{"cells": [], "v": 1}')
    (root / "notebooks" / "zh" / "01-intro.ipynb").write_text('{"cells": [], "lang": "zh"}')
    (root / "notebooks" / ".ipynb_checkpoints").mkdir()
    (root / "notebooks" / ".ipynb_checkpoints" / "01-intro-checkpoint.ipynb").write_text("{}")
    release = root / "labs" / "02-masks" / "release"
    (release / "files").mkdir(parents=True)
    (release / "02-masks.ipynb").write_text('{"cells": ["stub"]}')
    (release / "files" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (release / "files" / "run.sh").chmod(0o755)
    (root / "labs" / "02-masks" / "checks.py").write_text("SECRET = 1\n")
    (root / "labs" / "02-masks" / "source.ipynb").write_text('{"solution": true}')
    return root


def test_the_real_course_is_copied_whole_and_its_sources_stay_untouched(tmp_path):
    before = _digests(toolchain.ROOT / "notebooks") | _digests(toolchain.ROOT / "labs")
    report = workspace.create(tmp_path / "ws")
    ws = tmp_path / "ws"
    for chapter in (toolchain.ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"):
        assert (ws / "chapters" / chapter.name).read_bytes() == chapter.read_bytes()
    for release in (toolchain.ROOT / "labs").glob("*/release"):
        for f in (p for p in release.rglob("*") if p.is_file()):
            assert (ws / "labs" / release.parent.name / f.relative_to(release)).read_bytes() == f.read_bytes()
    assert not list(ws.rglob("checks.py")) and not list(ws.rglob("source.ipynb")), "instructor files leaked"
    assert "python -m grader check 2 labs/02-masks/02-masks.ipynb" in (ws / "README.md").read_text()
    assert len(report.added) == len(workspace.sources()) + len(workspace.languages())  # and a README each
    from sigcamp import editions

    for chapter in (toolchain.ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"):  # each translated chapter in Chinese
        translated = editions.translation_path(chapter, "zh").exists()
        assert (ws / "chapters" / "zh" / chapter.name).exists() == translated, chapter.name
        if translated:
            assert f"`chapters/zh/{chapter.name}`" in (ws / "README.zh.md").read_text()
    assert _digests(toolchain.ROOT / "notebooks") | _digests(toolchain.ROOT / "labs") == before


def test_workspace_folder_is_ignored_by_git():
    proc = subprocess.run(["git", "check-ignore", "-q", "workspace/chapters/01-ctrl-c.ipynb"],
                          cwd=toolchain.ROOT, timeout=30)
    assert proc.returncode == 0, "workspace/ must be git-ignored"


def test_create_copies_editions_and_lab_files_but_nothing_else(course, tmp_path):
    ws = tmp_path / "ws"
    report = workspace.create(ws, root=course)
    assert sorted(report.added) == ["README.md", "README.zh.md", "chapters/01-intro.ipynb", "chapters/zh/01-intro.ipynb",
                                    "labs/02-masks/02-masks.ipynb", "labs/02-masks/files/run.sh"]
    assert os.access(ws / "labs" / "02-masks" / "files" / "run.sh", os.X_OK)
    again = workspace.create(ws, root=course)
    assert not (again.added or again.updated or again.kept)


def test_refresh_keeps_student_work_and_updates_untouched_copies(course, tmp_path):
    ws = tmp_path / "ws"
    workspace.create(ws, root=course)
    mine = ws / "labs" / "02-masks" / "02-masks.ipynb"
    mine.write_text('{"cells": ["my answer"]}')
    (ws / "labs" / "02-masks" / "notes.txt").write_text("my notes")
    (course / "notebooks" / "01-intro.ipynb").write_text('{"cells": [], "v": 2}')
    (course / "labs" / "02-masks" / "release" / "02-masks.ipynb").write_text('{"cells": ["stub v2"]}')
    (course / "notebooks" / "03-new.ipynb").write_text("{}")
    report = workspace.create(ws, root=course)
    # each README lists the new chapter
    assert sorted(report.updated) == ["README.md", "README.zh.md", "chapters/01-intro.ipynb"]
    assert report.kept == ["labs/02-masks/02-masks.ipynb"]
    assert report.added == ["chapters/03-new.ipynb"]
    assert mine.read_text() == '{"cells": ["my answer"]}'
    assert (ws / "chapters" / "01-intro.ipynb").read_text() == '{"cells": [], "v": 2}'
    assert any("kept your version of labs/02-masks/02-masks.ipynb" in line for line in report.lines())
    # reported again at each start until the student resets it
    assert workspace.create(ws, root=course).kept == ["labs/02-masks/02-masks.ipynb"]


def test_reset_moves_the_students_version_to_backups(course, tmp_path):
    ws = tmp_path / "ws"
    workspace.create(ws, root=course)
    mine = ws / "labs" / "02-masks" / "02-masks.ipynb"
    mine.write_text("my work")
    notes = ws / "labs" / "02-masks" / "notes.txt"
    notes.write_text("my notes")
    (ws / "chapters" / "01-intro.ipynb").unlink()
    report = workspace.reset(ws, [ws / "labs" / "02-masks"], root=course)
    assert report.restored == ["labs/02-masks/02-masks.ipynb"]
    assert mine.read_text() == '{"cells": ["stub"]}'
    assert (report.backup / "labs" / "02-masks" / "02-masks.ipynb").read_text() == "my work"
    assert notes.read_text() == "my notes", "a file the student made is never touched"
    assert not (ws / "chapters" / "01-intro.ipynb").exists(), "only what was asked is restored"
    everything = workspace.reset(ws, root=course)
    assert everything.restored == ["chapters/01-intro.ipynb"] and everything.backup is None
    mine.write_text("second try")
    second = workspace.reset(ws, ["labs/02-masks/02-masks.ipynb"], root=course)
    assert second.backup != report.backup and (second.backup / "labs/02-masks/02-masks.ipynb").exists()


def test_reset_refuses_what_it_does_not_manage(course, tmp_path):
    ws = tmp_path / "ws"
    with pytest.raises(SigcampError, match="make lab"):
        workspace.reset(ws, root=course)
    workspace.create(ws, root=course)
    with pytest.raises(SigcampError, match="not a file the course provides"):
        workspace.reset(ws, [ws / "labs" / "02-masks" / "notes.txt"], root=course)
    with pytest.raises(SigcampError, match="not in the workspace"):
        workspace.reset(ws, [tmp_path / "elsewhere.ipynb"], root=course)


def test_reset_command_line_says_what_it_did(tmp_path):
    ws = tmp_path / "ws"
    workspace.create(ws)
    target = ws / "labs" / "02-masks" / "02-masks.ipynb"
    target.write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "sigcamp", "reset", "--workspace", str(ws), str(target)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "restored labs/02-masks/02-masks.ipynb" in proc.stdout and "backups" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "sigcamp", "reset", "--workspace", str(ws), "nope.ipynb"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "not a file the course provides" in bad.stderr


def test_settings_overrides_live_in_the_environment(tmp_path):
    path = lab.settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True},
                                "other:plugin": {"x": 1}}))
    lab.write_settings(tmp_path)
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"] == {
        "doNotDisturbMode": True, "fetchNews": "false", "checkForUpdates": False}
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    assert "Noto Sans CJK SC" in settings["@jupyterlab/apputils-extension:themes"]["overrides"]["content-font-family"]
    assert settings["other:plugin"] == {"x": 1}
    before = path.stat().st_mtime_ns
    lab.write_settings(tmp_path)  # nothing to change: the file is left alone (a shared venv may be read-only)
    assert path.stat().st_mtime_ns == before
    assert lab.settings_file() == Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json"


def test_lab_command_allows_root_only_for_root():
    argv = lab.command("/tmp/ws", ip="127.0.0.1", port=8888)
    assert ("--allow-root" in argv) == (os.geteuid() == 0)
    assert "--ServerApp.ip=127.0.0.1" in argv and "--ServerApp.port_retries=0" in argv
    assert not any("token" in a.lower() for a in argv), "the token must not show in ps"


def test_make_lab_serves_the_workspace_with_a_token(tmp_path):
    """`python -m sigcamp lab` as this user (root in CI): URL printed, token required, kernels reaped."""
    home = tmp_path / "jupyter"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    ws = tmp_path / "ws"
    proc = subprocess.Popen([sys.executable, "-m", "sigcamp", "lab", "--workspace", str(ws), "--port",
                             str(lab.free_port()), "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        out, deadline = b"", time.monotonic() + 180
        while b"/lab?token=" not in out and time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                out += os.read(proc.stdout.fileno(), 65536)
        url = re.search(rb"http://127\.0\.0\.1:(\d+)/lab\?token=(\w+)", out)
        assert url, out.decode()
        base, token = f"http://127.0.0.1:{url[1].decode()}", url[2].decode()
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{base}/api/contents/chapters", timeout=30)
        assert denied.value.code == 403
        auth = {"Authorization": f"token {token}"}
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/contents/chapters", headers=auth),
                                    timeout=30) as r:
            names = {item["name"] for item in json.load(r)["content"]}
        assert "01-ctrl-c.ipynb" in names
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/contents/labs", headers=auth),
                                    timeout=30) as r:
            assert "02-masks" in {item["name"] for item in json.load(r)["content"]}
        start = urllib.request.Request(f"{base}/api/kernels", data=b'{"name": "sigcamp"}', method="POST",
                                       headers={**auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(start, timeout=60) as r:
            assert json.load(r)["name"] == "sigcamp"
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            assert proc.wait(60) == 0
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    # the kernel it started is gone too: conftest's leftover check fails the test otherwise


def test_a_taken_port_is_refused_with_advice(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(SigcampError, match="in use"):
            lab.serve(tmp_path, port=port)


@pytest.fixture
def bilingual(tmp_path):
    """A course as the repository holds it: two English chapters, the first with its Chinese translation
    (notebooks/zh/<stem>.md); two labs, the first with a Chinese notebook in its release (release/zh/)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from sigcamp import editions

    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    for stem, title in (("01-ctrl-c", "1. Why Ctrl+C seems not to work"), ("02-runtime", "2. The runtime")):
        nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n### 第{stem[1]}章"), new_code_cell("print('hi')")])
        nbformat.write(nb, str(root / "notebooks" / f"{stem}.ipynb"))
    source = root / "notebooks" / "01-ctrl-c.ipynb"
    cell = nbformat.read(str(source), as_version=4).cells[0]
    editions.write(editions.translation_path(source, "zh"),
                   [editions.Block(cell.id, editions.fingerprint(cell.source), "# 1. 为什么 Ctrl+C 好像不起作用")])
    for name, title, zh_title in (("01-ctrl-c-shutdown", "Lab 1: shut down", "练习 1：优雅退出"),
                                  ("02-masks", "Lab 2: masks", None)):
        release = root / "labs" / name / "release"
        release.mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {title}")]), str(release / f"{name}.ipynb"))
        if zh_title:
            (release / "zh").mkdir()
            nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {zh_title}")]), str(release / "zh" / f"{name}.ipynb"))
    return root


def test_the_workspace_holds_the_chinese_edition_and_a_chinese_readme(bilingual, tmp_path):
    ws = tmp_path / "ws"
    report = workspace.create(ws, root=bilingual)
    assert {"README.md", "README.zh.md", "chapters/zh/01-ctrl-c.ipynb", "labs/01-ctrl-c-shutdown/zh/01-ctrl-c-shutdown.ipynb"} \
        <= set(report.added)
    assert not (ws / "chapters" / "zh" / "02-runtime.ipynb").exists(), "only translated chapters get an edition"
    chapter = json.loads((ws / "chapters" / "zh" / "01-ctrl-c.ipynb").read_text())
    assert "".join(chapter["cells"][0]["source"]) == 'import sigcamp\nsigcamp.set_language("zh")'
    assert "".join(chapter["cells"][1]["source"]) == "# 1. 为什么 Ctrl+C 好像不起作用"
    zh = (ws / "README.zh.md").read_text()
    assert zh.startswith("# 你的工作区\n")
    assert "1. 章节 `chapters/zh/01-ctrl-c.ipynb`：1. 为什么 Ctrl+C 好像不起作用\n" in zh
    assert "2. 练习 `labs/01-ctrl-c-shutdown/zh/01-ctrl-c-shutdown.ipynb`：练习 1：优雅退出\n" in zh
    assert "3. 章节 `chapters/02-runtime.ipynb`：2. The runtime（英文：这一项还没有中文版）\n" in zh
    assert "4. 练习 `labs/02-masks/02-masks.ipynb`：Lab 2: masks（英文：这一项还没有中文版）\n" in zh
    assert "python -m grader check 1 labs/01-ctrl-c-shutdown/zh/01-ctrl-c-shutdown.ipynb" in zh
    assert "This README in English: README.md; the chapters in English are in `chapters/`." in zh
    en = (ws / "README.md").read_text()
    assert "1. chapter `chapters/01-ctrl-c.ipynb`: 1. Why Ctrl+C seems not to work\n" in en
    assert "python -m grader check 2 labs/02-masks/02-masks.ipynb" in en
    assert "本说明的中文版：README.zh.md；各章的中文版在 `chapters/zh/`。" in en
    assert not re.search(r"[\u4e00-\u9fff]", en.split("本说明的中文版")[0].replace("第1章", "").replace("第2章", ""))


def test_a_course_without_translations_has_no_chinese_readme(course, tmp_path):
    (course / "notebooks" / "zh" / "01-intro.ipynb").unlink()
    ws = tmp_path / "ws"
    workspace.create(ws, root=course)
    assert not (ws / "README.zh.md").exists() and "README.zh.md" not in (ws / "README.md").read_text()


def test_make_lab_says_where_each_edition_starts_in_its_language(bilingual, tmp_path, monkeypatch):
    from sigcamp import i18n

    ws = tmp_path / "ws"
    workspace.create(ws, root=bilingual)
    english = lab.where_to_start(ws)
    assert english == [
        "Start with chapters/01-ctrl-c.ipynb; labs/ holds the labs; README.md has the order and how to check a lab.",
        "从 chapters/zh/01-ctrl-c.ipynb 开始；练习在 labs/*/zh/；README.zh.md 写明了学习顺序和检查练习的方法。"]
    with i18n.speaking("zh"):
        banner = lab._banner(ws, "127.0.0.1", 8888, "t0k")
    assert banner.splitlines()[1:3] == [f"JupyterLab 已经在为你的工作区 {ws} 提供服务", "在浏览器中打开这个网址："]
    assert banner.index("从 chapters/zh/01-ctrl-c.ipynb 开始") < banner.index("Start with chapters/01-ctrl-c.ipynb")
    assert "停止：在这里按两次 Ctrl+C。" in banner
    with i18n.speaking("zh"):
        kept = workspace.Report(ws, kept=["labs/02-masks/02-masks.ipynb"]).lines()
    assert kept[0].startswith("保留了你改过的 labs/02-masks/02-masks.ipynb；")


def test_make_lab_speaks_the_language_asked_for_or_the_terminals():
    assert lab.speaking({"SIGCAMP_LANG": "zh", "LANG": "en_US.UTF-8"}) == "zh"
    assert lab.speaking({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert lab.speaking({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert lab.speaking({"LANG": "de_DE.UTF-8"}) == "en" and lab.speaking({}) == "en"


def test_a_chinese_student_gets_chinese_errors(tmp_path):
    env = {**os.environ, "SIGCAMP_LANG": "zh"}
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    proc = subprocess.run([sys.executable, "-m", "sigcamp", "lab", "--workspace", str(a_file), "--no-browser"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and f"错误：{a_file} 是一个文件，不是文件夹" in proc.stderr
