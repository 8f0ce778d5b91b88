"""The course as a student sees it, in a real browser: Debian's chromium driven by Playwright.

`python -m sigcamp lab` (what `make lab` runs) serves a fresh student workspace on
127.0.0.1; chapter 1 runs top to bottom in JupyterLab, its figure and explorer
render, the explorer really runs a scenario, the saved notebook reopens with its
widgets, a lab is checked from JupyterLab's terminal, and chapter 2's HTML page on
the static site shows its figures. Screenshots go to _build/screenshots/.
"""

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sigcamp import course, ctrl_c, lab, site, toolchain

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = toolchain.BUILD / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIGURE_CALL = re.compile(r"\bplots\.\w+\(")


def _need_chromium():
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail("chromium is missing although set-up can install it here: run `make setup` "
                    "(it runs apt-get install chromium fonts-noto-cjk)")
    pytest.skip("Debian's chromium is not installed and installing it needs root: "
                "sudo apt-get install -y chromium fonts-noto-cjk")


@pytest.fixture
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def lab_server(tmp_path):
    """`python -m sigcamp lab` on a fresh workspace and free port; yields (base URL, token, workspace)."""
    _need_chromium()
    home = tmp_path / "jupyter"
    settings = home / "settings" / "@jupyterlab" / "terminal-extension"
    settings.mkdir(parents=True)
    # the terminal's text as DOM nodes (xterm's accessibility tree), so the test can read it
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"screenReaderMode": True}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")}
    workspace = tmp_path / "workspace"
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "sigcamp", "lab", "--workspace", str(workspace),
                             "--port", str(lab.free_port()), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=log, env=env, start_new_session=True)
    try:
        url = _read_url(proc, timeout=180)
        assert url.startswith("http://127.0.0.1:"), url
        base, token = url.split("/lab?token=")
        yield base, token, workspace
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # the launcher stops the server and its kernels
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _read_url(proc, timeout):
    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 0.5)[0]:
            seen += os.read(proc.stdout.fileno(), 65536)
            found = re.search(rb"http://\S+/lab\?token=\w+", seen)
            if found:
                return found[0].decode()
    pytest.fail(f"`python -m sigcamp lab` printed no URL within {timeout} s: {seen.decode()!r}")


def _new_page(browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def _open_notebook(page, base, token, path):
    page.goto(f"{base}/lab/tree/{path}?token={token}&reset", timeout=120_000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).first.wait_for(timeout=120_000)


def _menu(page, menu, command):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))
    return SHOTS / name


def _api(base, token, method, path):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=60) as r:
        body = r.read()
    return json.loads(body) if body else None


def _code_cell(page, text):
    return page.locator(".jp-Notebook .jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text))


def test_chapter_1_and_a_lab_in_jupyterlab(browser, lab_server):
    base, token, workspace = lab_server
    chapter = workspace / "chapters" / "01-ctrl-c.ipynb"
    source = toolchain.ROOT / "notebooks" / "01-ctrl-c.ipynb"
    assert chapter.read_bytes() == source.read_bytes()
    code_cells = sum(c["cell_type"] == "code" for c in json.loads(chapter.read_text())["cells"])

    page = _new_page(browser)
    _open_notebook(page, base, token, "chapters/01-ctrl-c.ipynb")
    _menu(page, "Run", "runmenu:run-all")
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
    page.wait_for_function(
        """n => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                  return p.length === n && p.every(e => /^\\[\\d+\\]:$/.test(e.textContent.trim())); }""",
        arg=code_cells, timeout=600_000, polling=500)
    assert prompts.count() == code_cells
    toasts = " ".join(page.locator(".Toastify__toast, .jp-Notification-Toast").all_inner_texts()).lower()
    assert "news" not in toasts, f"JupyterLab's news pop-up is on: {toasts}"
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, errors.first.inner_text()[:2000]

    figure = _code_cell(page, "plot_latencies").locator('.jp-OutputArea img[src^="data:image/png"]')
    assert figure.count() == 1, "the Ctrl+C latency figure is missing"
    figure.scroll_into_view_if_needed()
    assert page.evaluate("img => img.naturalWidth > 200 && img.complete", figure.element_handle())
    _shot(page, "01-ctrl-c-latency-figure.png")

    explorer = _code_cell(page, "explorer()")
    select_ = explorer.locator(".widget-dropdown select")
    button = explorer.locator("button.jupyter-button")
    assert select_.count() == 1 and button.count() == 1, "the explorer did not render"
    scenario = next(s for s in ctrl_c.SCENARIOS if s.sample == "notify-exit" and not s.env and not s.launch)
    select_.select_option(label=scenario.title)
    button.click()
    table = explorer.locator(".jp-OutputArea table, .widget-output table").filter(has_text="notify-exit")
    table.first.wait_for(timeout=120_000)
    assert "exit 130" in table.first.inner_text(), table.first.inner_text()
    explorer.scroll_into_view_if_needed()
    _shot(page, "01-ctrl-c.png")

    # save, stop the kernel, reopen: the widgets come back from the saved state, with no error
    _menu(page, "File", "docmanager:save")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "widget-view+json" not in chapter.read_text():
        time.sleep(0.3)
    saved = json.loads(chapter.read_text())
    views = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for c in saved["cells"]
             for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    state = saved["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert views and all(v in state.get("state", {}) for v in views), "the saved notebook lacks its widget state"
    page.close()
    for kernel in _api(base, token, "GET", "/api/kernels"):
        _api(base, token, "DELETE", f"/api/kernels/{kernel['id']}")
    page = _new_page(browser)
    _open_notebook(page, base, token, "chapters/01-ctrl-c.ipynb")
    explorer = _code_cell(page, "explorer()")
    explorer.locator(".widget-dropdown select").wait_for(timeout=60_000)
    assert page.get_by_text("Error displaying widget").count() == 0
    assert _code_cell(page, "plot_latencies").locator("img").count() == 1
    assert not page.errors, page.errors
    page.close()

    # a lab, checked as the workspace's README says, in JupyterLab's terminal
    page = _new_page(browser)
    _open_notebook(page, base, token, "labs/02-masks/02-masks.ipynb")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^File$")).click()
    page.locator('.lm-Menu-item[data-command="filemenu:new"], .lm-Menu-item:has-text("New")').first.hover()
    page.locator('.lm-Menu-item[data-command="terminal:create-new"]').first.click()
    terminal = page.locator(".jp-Terminal").last
    terminal.locator(".xterm-accessibility-tree").wait_for(state="attached", timeout=60_000)
    terminal.click()
    prompt = _wait_text(terminal, lambda t: re.search(r"[#$]\s*$", t), 60, "no shell prompt")
    command = "python -m grader check 2 labs/02-masks/02-masks.ipynb"
    page.keyboard.type(command + "\n")
    text = _wait_text(terminal, lambda t: command in t and t.rstrip().endswith(prompt.rstrip().splitlines()[-1])
                      and len(t) > len(prompt) + len(command) + 10, 180, "the check did not finish")
    output = "\n".join(line.rstrip() for line in text[text.index(command) + len(command):].splitlines()
                       if line.strip())
    assert "Traceback" not in output and "error:" not in output, output
    assert re.search(r"\d+(\.\d+)?\s*(/|of)\s*\d+", output), output
    _shot(page, "lab-02-check.png")
    page.close()


def _wait_text(terminal, ready, timeout, what):
    """The terminal's text once ready(text) holds (polled), else fail with `what` and the text."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        text = terminal.locator(".xterm-accessibility-tree").inner_text()
        if ready(text):
            return text
        time.sleep(0.5)
    pytest.fail(f"{what}: {text[-2000:]!r}")


def _html_fresh(page, sources):
    return page.exists() and all(page.stat().st_mtime >= s.stat().st_mtime for s in sources)


def test_chapter_2_page_shows_its_figures(browser, tmp_path):
    notebook = toolchain.ROOT / "notebooks" / "02-runtime.ipynb"
    html = course.HTML / "02-runtime.html"
    # `make test` runs this after tests/test_notebooks.py wrote the page; alone, it runs the chapter
    if not _html_fresh(html, [notebook, *(toolchain.ROOT / "sigcamp").glob("*.py")]):
        result, _ = course.execute(notebook)
        assert result.status == "ok", result.error
    index = site.build(tmp_path / "site")
    page = _new_page(browser)
    page.goto(index.as_uri())
    page.locator("a", has_text=re.compile(r"^2\.")).first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/chapters/02-runtime.html"), page.url
    cells = page.locator(".jp-CodeCell")
    figures = 0
    for i in range(cells.count()):
        cell = cells.nth(i)
        code = cell.locator(".jp-InputArea").inner_text()
        if FIGURE_CALL.search(code):
            images = cell.locator(".jp-OutputArea img, .jp-OutputArea svg")
            assert images.count() >= 1, f"no figure under {code.strip()!r}"
            figures += 1
    assert figures >= 2, "chapter 2 should draw its latency figures with sigcamp.plots"
    assert page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea img')].every("
                         "i => i.complete && i.naturalWidth > 0)")
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg") \
        .count() == 0, "the executed chapter has an error"
    page.locator("h2", has_text=re.compile(r"^6\.")).first.evaluate(
        "h => { h.scrollIntoView({block: 'start'}); window.scrollBy(0, -50); }")
    _shot(page, "02-runtime-section-6.png")
    page.evaluate("window.scrollBy(0, 700)")
    _shot(page, "02-runtime-section-6-figures.png")
    assert not page.errors, page.errors
