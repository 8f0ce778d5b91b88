"""`python -m sigcamp.hub`: the class's JupyterHub and the instructor's steps, for root on the hub's machine.

    serve --class-list FILE      run the hub (make hub): accounts, course environment, JupyterHub
    users --class-list FILE      make the class's Unix accounts and homes (serve does it too)
    release|collect|grade|return LAB   the grading round trip (also on the hub: /services/grading/)
    reset-password LOGIN         free a login: its owner chooses a new password at the next login
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from .. import lab
from ..errors import SigcampError
from . import accounts, classlist, classwork, courseenv, limits, settings

EXAMPLE = Path(__file__).resolve().parents[2] / "hub" / "classlist.example.csv"


def _settings(args):
    state = Path(args.state).resolve()
    saved = state / "settings.json"
    if getattr(args, "class_list", None) is None and saved.is_file():
        return settings.load(saved)
    s = settings.Settings(class_list=str(Path(args.class_list or EXAMPLE).resolve()), state=str(state))
    for key in ("ip", "port", "homes", "user_prefix", "memory", "pids", "cull_after"):
        if getattr(args, key, None) is not None:
            setattr(s, key, getattr(args, key))
    return s


def hub_command(settings_file):
    """The JupyterHub command line, and its environment, for a saved settings file."""
    env = {**os.environ, settings.VARIABLE: str(settings_file),
           "PATH": f"{courseenv.ENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}
    env.pop("PYTHONPATH", None)
    return [str(courseenv.ENV / "bin" / "jupyterhub"), "-f", str(courseenv.CONFIG)], env


def prepare(s, *, log=print):
    """Everything the hub needs before it starts: environment, accounts, the settings file."""
    courseenv.ensure(log=log)
    members = classlist.read(s.class_list, prefix=s.user_prefix)
    Path(s.state).mkdir(parents=True, exist_ok=True)
    os.chmod(s.state, 0o700)
    for m in members:
        accounts.ensure(m, homes=s.homes)
    return members, s.save(Path(s.state) / "settings.json")


def wait_ready(url, proc, timeout=120):
    """True once the hub answers at `url`/hub/api (False if it exits or `timeout` s pass)."""
    return lab.answers(f"{url}/hub/api", proc, timeout)


def serve(s):
    members, saved = prepare(s)
    argv, env = hub_command(saved)
    proc = subprocess.Popen(argv, env=env, cwd=s.state, start_new_session=True)
    signal.signal(signal.SIGINT, lambda *_: proc.send_signal(signal.SIGTERM))
    signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGTERM))
    host = "127.0.0.1" if s.ip in ("0.0.0.0", "") else s.ip
    url = f"http://{host}:{s.port}"
    try:
        if wait_ready(url, proc):
            admins = ", ".join(m.login for m in members if m.admin) or "none (add role=instructor rows)"
            print(f"\nThe hub is at {url}/ for {sum(not m.admin for m in members)} student(s) of {s.class_list}.\n"
                  "Each logs in with their login and chooses a password the first time.\n"
                  f"Instructors ({admins}): {url}/hub/admin, grading at {url}/services/grading/\n"
                  "Stop: Ctrl+C here (every student's server stops with the hub).\n", flush=True)
        return proc.wait()
    finally:
        stop(proc, members)


def stop(proc, members, *, grace=30):
    """Stop the hub: SIGTERM (it stops every server, its services and its proxy), SIGKILL to its process group
    after `grace` s; then kill what is left in each member's groups and remove them (also when no hub started)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for m in members:
        limits.destroy(m.unix)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m sigcamp.hub", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state", default=str(courseenv.STATE), help="the hub's private folder (default .hub/state)")
    common.add_argument("--class-list", help=f"CSV of the class (default: the hub's, else {EXAMPLE.name})")
    common.add_argument("--user-prefix", help="put in front of every Unix name made from the class list")
    common.add_argument("--homes", help="where homes are made (default /home)")
    srv = sub.add_parser("serve", parents=[common], help="run the hub")
    srv.add_argument("--ip", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, help="port (default 8000)")
    srv.add_argument("--memory", type=int, help="bytes of memory per student (default 3 GiB)")
    srv.add_argument("--pids", type=int, help="processes and threads per student (default 512)")
    srv.add_argument("--cull-after", type=int, help="stop a server idle this many seconds (default 3600)")
    sub.add_parser("users", parents=[common], help="make the class's Unix accounts and homes")
    for step in ("release", "collect", "grade", "return"):
        sp = sub.add_parser(step, parents=[common], help=f"{step} a lab for the whole class")
        sp.add_argument("lab")
    rp = sub.add_parser("reset-password", parents=[common], help="free a login's password")
    rp.add_argument("login")
    a = p.parse_args(argv)
    if os.geteuid() != 0:
        print("error: the hub and its steps run as root (they make accounts and read students' homes): "
              "sudo make hub", file=sys.stderr)
        return 2
    try:
        s = _settings(a)
        if a.command == "serve":
            return serve(s)
        if a.command == "users":
            members = classlist.read(s.class_list, prefix=s.user_prefix)
            for m in members:
                acc = accounts.ensure(m, homes=s.homes)
                print(f"{m.name}: login {m.login}, Unix {acc.unix} (UID {acc.uid}), home {acc.home}")
            return 0
        if a.command == "reset-password":
            from .auth import forget_password
            done = forget_password(Path(s.state) / "passwords.dbm", classlist.login_of(a.login))
            print(f"{a.login} chooses a new password at the next login" if done else f"{a.login} had no password yet")
            return 0
        return 0 if classwork.run_step(a.command, a.lab, s, print) else 1
    except (SigcampError, classwork.ClassworkError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
