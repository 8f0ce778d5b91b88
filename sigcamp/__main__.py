"""Command line: `python -m sigcamp doctor` and `python -m sigcamp course [NOTEBOOK...]`."""

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
    args = parser.parse_args(argv)
    if args.command == "ledger":
        from .ledger import main as run_ledger
        return run_ledger(args.chapters)
    if args.command == "doctor":
        from .doctor import main as doctor
        return doctor()
    from .course import main as run_course
    return run_course(args.notebooks, cell_timeout=args.cell_timeout)


if __name__ == "__main__":
    sys.exit(main())
