"""Run a grader module inside the sandbox as a non-dumpable process.

    python -I -m grader.undumpable grader.probe

Code of the student's that runs beside it as the same UID (a kernel, a program
a probe starts) then cannot read its memory or its file descriptors through
/proc or ptrace: the HMAC key, the hidden inputs of a check stay out of reach.
"""

import ctypes
import runpy
import sys

PR_SET_DUMPABLE = 4


def main():
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    module = sys.argv[1]
    if not module.startswith("grader."):
        raise SystemExit(f"not a grader module: {module}")
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
