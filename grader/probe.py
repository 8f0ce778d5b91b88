"""Runs inside a sandbox on a check's behalf: one trusted experiment on a student's work.

    python -m grader.probe < {"name": "module.function", "kwargs": {...}}

Prints one line of JSON: {"value": ..., "seconds": s} or {"error": "..."}. The
experiments are the functions of the modules in grader.probes; only the module
named is imported, so a probe needs nothing beyond what its experiment uses.
"""

import importlib
import json
import os
import sys
import time


def main():
    t0 = time.monotonic()
    request = json.loads(sys.stdin.read(8 << 20))
    module, _, name = str(request.get("name", "")).partition(".")
    if not module.isidentifier() or not name.isidentifier() or name.startswith("_"):
        reply = {"error": f"no probe {request.get('name')!r}"}
    else:
        try:
            fn = getattr(importlib.import_module(f"grader.probes.{module}"), name)
            reply = {"value": fn(**request.get("kwargs", {}))}
        except Exception as e:
            reply = {"error": f"{type(e).__name__}: {str(e)[:2000]}"}
    reply["seconds"] = time.monotonic() - t0
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
