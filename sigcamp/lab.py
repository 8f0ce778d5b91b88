"""`make lab`: JupyterLab on the student's workspace, for root and non-root alike.

Listens on 127.0.0.1 by default, with a fresh token; prints the URL once the
server answers, and where each language edition of the workspace starts. Speaks
Chinese when $SIGCAMP_LANG (or, without it, the terminal's locale) is Chinese. JupyterLab's news and update pop-ups are turned off by a
settings overrides file in the virtual environment (not in the user's home).
"""

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import htmlexport, i18n, procfs, workspace
from .errors import SigcampError
from .i18n import N_, _

DEFAULT_PORT = 8888
START = N_("Start with {chapter}; {labs} holds the labs; {readme} has the order and how to check a lab.")
OVERRIDES = {
    # the "get notified about Jupyter news?" pop-up covers outputs; a course has no use for it
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # store widget state on save, so a reopened chapter shows its widgets rather than "model not found"
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    # the chapters' Chinese subtitles get a CJK font by name
    "@jupyterlab/apputils-extension:themes": {"overrides": {"content-font-family": htmlexport.FONT_STACK}},
}


def settings_file(prefix=sys.prefix):
    """Where JupyterLab of the environment at `prefix` reads its settings overrides."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write_settings(prefix=sys.prefix):
    """Merge OVERRIDES into the environment's overrides.json (other keys kept); return its path.

    The file is written only when something changes, so a user who cannot write
    to a shared environment runs JupyterLab with the settings its owner set up.
    """
    path = settings_file(prefix)
    current = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except ValueError:
            current = {}
    merged = {**current, **{plugin: {**current.get(plugin, {}), **values} for plugin, values in OVERRIDES.items()}}
    if merged != current or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return path


def terminal_rc(root_dir, prefix=sys.prefix):
    """Write the bash start-up file of JupyterLab's terminals into the workspace: the user's usual
    one, then this environment's bin/ first on PATH (so `python -m grader check ...` works as
    typed); return its path."""
    path = Path(root_dir) / ".sigcamp" / "terminal.bashrc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# JupyterLab terminals of the course: your bash set-up, then the course's Python first.\n"
                    "[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc\n"
                    '[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"\n'
                    f"export VIRTUAL_ENV={shlex.quote(str(prefix))}\n"
                    f'export PATH={shlex.quote(str(Path(prefix) / "bin"))}:"$PATH"\n')
    return path


def port_free(ip, port):
    """True when `port` can be bound on `ip` now."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def free_port(ip="127.0.0.1"):
    """A port the kernel says is free on `ip` (bind to port 0)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def command(root_dir, *, ip, port, open_browser=False):
    """The jupyter lab command line for `root_dir` (the token travels in JUPYTER_TOKEN, not argv)."""
    argv = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root_dir}", f"--ServerApp.ip={ip}",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.log_level=WARN",
            f"--ServerApp.open_browser={open_browser}"]
    bash = shutil.which("bash")
    if bash:  # an interactive (not login) shell: a login shell's /etc/profile would reset PATH
        shell = [bash, "--rcfile", str(terminal_rc(root_dir)), "-i"]
        argv.append(f"--ServerApp.terminado_settings={{'shell_command': {shell!r}}}")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv


def urls(ip, port, token):
    """URLs to print: the address itself, or this host's names when listening on all addresses."""
    if ip in ("0.0.0.0", "::", ""):
        hosts = [socket.gethostname(), "127.0.0.1"]
    else:
        hosts = [f"[{ip}]" if ":" in ip else ip]
    return [f"http://{h}:{port}/lab?token={token}" for h in hosts]


def wait_ready(ip, port, token, proc, timeout=120):
    """Poll /api/status until the server answers (True), exits or `timeout` s pass (False)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(ip, f"[{ip}]" if ":" in ip else ip)
    request = urllib.request.Request(f"http://{host}:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    return answers(request, proc, timeout)


def answers(request, proc, timeout):
    """Poll an HTTP request (a URL or a urllib Request) until it gets 200 (True), or `proc` exits or
    `timeout` s pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def leftovers(marker):
    """PIDs of live processes whose environment holds `marker` (kernels the server did not stop)."""
    found = []
    for pid, _, _ in procfs.live_processes():
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.append(pid)
        except OSError:
            continue
    return [p for p in found if p != os.getpid()]


def serve(root_dir, *, ip="127.0.0.1", port=None, token=None, open_browser=None, out=sys.stdout):
    """Run JupyterLab on `root_dir` until it exits; print its URL once it answers. Returns its status."""
    token = token or secrets.token_hex(24)
    if port is None:
        port = DEFAULT_PORT if port_free(ip, DEFAULT_PORT) else free_port(ip)
    elif not port_free(ip, port):
        raise SigcampError(_("port {port} on {ip} is in use: choose another (make lab PORT=N), "
                             "or leave PORT out to get a free one").format(port=port, ip=ip))
    if open_browser is None:  # a desktop session of a normal user; never as root or over ssh
        open_browser = (os.geteuid() != 0 and bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
                        and not os.environ.get("SSH_CONNECTION"))
    try:
        write_settings()
    except OSError as e:
        print(_("note: JupyterLab's settings were not updated ({error}); ask whoever set up {prefix} "
                "to run `make setup`").format(error=e, prefix=sys.prefix), file=sys.stderr)
    marker = f"SIGCAMP_LAB_SERVER={os.getpid()}"
    env = {**os.environ, "JUPYTER_TOKEN": token, "SIGCAMP_LAB_SERVER": str(os.getpid()),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": sys.prefix}
    proc = subprocess.Popen(command(root_dir, ip=ip, port=port, open_browser=open_browser), env=env,
                            cwd=root_dir)  # where new terminals start

    def stop(signum, _frame):
        proc.send_signal(signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal's Ctrl+C reaches the server too; it asks
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        if wait_ready(ip, port, token, proc) or proc.poll() is None:  # slow to answer: say where anyway
            print(_banner(root_dir, ip, port, token), file=out, flush=True)
        status = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        procfs.kill_until_gone(lambda: leftovers(marker.encode()))
    return status


def _banner(root_dir, ip, port, token):
    lines = ["", _("JupyterLab is serving your workspace {folder}").format(folder=root_dir),
             _("Open this URL in your browser:")]
    lines += [f"    {u}" for u in urls(ip, port, token)]
    if ip in ("127.0.0.1", "localhost", "::1"):
        lines.append(_("On a remote machine? Forward the port first: {command}").format(
            command=f"ssh -L {port}:127.0.0.1:{port} USER@HOST"))
    lines += where_to_start(root_dir)
    lines += [_("Stop: Ctrl+C twice here."), ""]
    return "\n".join(lines)


def where_to_start(root_dir):
    """A line per language the workspace holds (the reader's first), each in its own language: the first
    chapter of that edition, where its labs are, which README says the order."""
    root = Path(root_dir)
    langs = sorted(workspace.READMES, key=lambda lang: lang != i18n.language())
    lines = []
    for lang in langs:
        folder = root / "chapters" / ("" if lang == "en" else lang)
        chapters = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
        if not chapters or not (root / workspace.READMES[lang]).is_file():
            continue
        labs = "labs/" if lang == "en" or not list(root.glob(f"labs/*/{lang}/*.ipynb")) else f"labs/*/{lang}/"
        lines.append(i18n.catalog(lang).gettext(START).format(
            chapter=chapters[0].relative_to(root).as_posix(), labs=labs, readme=workspace.READMES[lang]))
    return lines


def speaking(environ=os.environ):
    """The language `make lab` speaks: $SIGCAMP_LANG, else the terminal's locale when sigcamp speaks it
    ($LC_ALL, $LC_MESSAGES, $LANG: zh_CN.UTF-8 is Chinese), else English."""
    if environ.get("SIGCAMP_LANG"):
        return environ["SIGCAMP_LANG"]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            code = environ[name].split("_")[0].split(".")[0].lower()
            return code if code in i18n.LANGUAGES else "en"
    return "en"


def main(argv=None):
    """`python -m sigcamp lab`: make or refresh the workspace, then serve it."""
    p = argparse.ArgumentParser(prog="python -m sigcamp lab", description=main.__doc__)
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for every address, e.g. in a container)")
    p.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT}, or a free one if it is taken)")
    p.add_argument("--workspace", default=str(workspace.DEFAULT), help="the workspace folder (default workspace/)")
    p.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    args = p.parse_args(argv)
    try:
        i18n.set_language(speaking())
    except ValueError as e:  # an unknown SIGCAMP_LANG: say so, and go on in English
        i18n.set_language("en")
        print(f"note: {e}; set SIGCAMP_LANG=zh or leave it unset", file=sys.stderr)
    try:
        report = workspace.create(args.workspace)
        for line in report.lines():
            print(line, flush=True)
        return serve(report.root, ip=args.ip, port=args.port, open_browser=False if args.no_browser else None)
    except SigcampError as e:
        print(_("error: {message}").format(message=e), file=sys.stderr)
        return 2
