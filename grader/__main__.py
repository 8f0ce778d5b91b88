"""python -m grader {release,grade,check}: a thin CLI over grader.commands."""

import argparse
import inspect
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

from . import commands  # noqa: E402


def _default(fn, name):
    return inspect.signature(fn).parameters[name].default


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m grader", description="Release, grade and check sigcamp labs.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help=commands.release.__doc__.splitlines()[0])
    r.add_argument("lab")
    r.add_argument("--dest", default=_default(commands.release, "dest"))
    g = sub.add_parser("grade", help=commands.grade_all.__doc__.splitlines()[0])
    g.add_argument("lab")
    g.add_argument("submissions", nargs="+")
    g.add_argument("--jobs", type=int, default=_default(commands.grade_all, "jobs"))
    g.add_argument("--out", default=_default(commands.grade_all, "out"))
    g.add_argument("--no-sandbox", dest="sandbox", action="store_false")
    g.add_argument("--no-progress", dest="progress", action="store_false")
    g.add_argument("--scheduler", default=_default(commands.grade_all, "scheduler"),
                   help="a Dask scheduler's address (tcp://host:8786): grade on its workers")
    g.add_argument("--timeout", type=float, default=_default(commands.grade_all, "timeout"),
                   help="lower the lab's wall clock per notebook (seconds)")
    g.add_argument("--cell-timeout", type=float, default=_default(commands.grade_all, "cell_timeout"),
                   help="lower the lab's timeout per cell (seconds)")
    c = sub.add_parser("check", help=commands.check.__doc__.splitlines()[0])
    c.add_argument("lab")
    c.add_argument("notebook")
    c.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=None,
                   help="run without the sandbox (the default when this machine cannot run it)")
    a = p.parse_args(argv)
    try:
        if a.command == "release":
            return commands.release(a.lab, dest=a.dest)
        if a.command == "grade":
            return commands.grade_all(a.lab, a.submissions, jobs=a.jobs, out=a.out, sandbox=a.sandbox,
                                      progress=a.progress, scheduler=a.scheduler, timeout=a.timeout,
                                      cell_timeout=a.cell_timeout)
        return commands.check(a.lab, a.notebook, sandbox=a.sandbox)
    except (commands.labs.LabError, commands.SubmissionsError, commands.gradebook.OutFolderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
