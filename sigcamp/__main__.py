"""Command line: `python -m sigcamp doctor|course|ledger|catalogs|site|lab|reset`."""

import argparse
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sigcamp")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check that this machine is ready for the course")
    course = sub.add_parser("course", help="execute the chapter notebooks headless, write _build/")
    course.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb)")
    course.add_argument("--cell-timeout", type=int, default=300, help="seconds per cell (default 300)")
    claims = sub.add_parser("ledger", help="judge the article's claims on every Go release (no notebooks); "
                                           "write _build/claims.csv and claims.html")
    claims.add_argument("chapters", nargs="*", help="ch1 ... ch5 (default: all)")
    catalogs = sub.add_parser("catalogs", help="compile the translations (sigcamp/locale); --update adds the "
                                               "code's new messages to the .po files first")
    catalogs.add_argument("--update", action="store_true")
    sub.add_parser("site", help="write _build/site/ from the executed chapters (make course does it)")
    sub.add_parser("lab", help="JupyterLab on your workspace (make lab); --help for its options", add_help=False)
    reset = sub.add_parser("reset", help="restore pristine copies of workspace files (yours go to backups/)")
    reset.add_argument("paths", nargs="*", help="files or folders in the workspace (default: all)")
    reset.add_argument("--workspace", default=None, help="the workspace folder (default workspace/)")
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["lab"]:
        from .lab import main as lab
        return lab(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "catalogs":
        from .catalogs import main as run_catalogs
        return run_catalogs(update_po=args.update)
    if args.command == "site":
        from .site import build
        print(build())
        return 0
    if args.command == "reset":
        return _reset(args)
    if args.command == "ledger":
        from .ledger import main as run_ledger
        return run_ledger(args.chapters)
    if args.command == "doctor":
        from .doctor import main as doctor
        return doctor()
    from .course import main as run_course
    return run_course(args.notebooks, cell_timeout=args.cell_timeout)


def _reset(args):
    from . import workspace
    from .errors import SigcampError

    try:
        report = workspace.reset(args.workspace or workspace.DEFAULT, args.paths)
    except SigcampError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()) or "nothing to restore: every copy is as the course provides it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
