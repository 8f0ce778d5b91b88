"""Runs inside a sandbox on a check's behalf: one trusted experiment on a student's files.

    python -m grader.probe < {"name": ..., "kwargs": {...}}

Prints one line of JSON: {"value": ...} or {"error": "..."}. The experiments
themselves are the functions in grader.probes.
"""

import json
import sys


def main():
    request = json.loads(sys.stdin.read(1 << 20))
    from . import probes
    fn = getattr(probes, request["name"], None)
    if fn is None or request["name"].startswith("_"):
        print(json.dumps({"error": f"no probe {request['name']!r}"}))
        return
    try:
        value = fn(**request.get("kwargs", {}))
        print(json.dumps({"value": value}))
    except Exception as e:
        print(json.dumps({"error": f"{type(e).__name__}: {str(e)[:2000]}"}))


if __name__ == "__main__":
    main()
