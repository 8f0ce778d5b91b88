# read-secrets: looks for the lab's checks and solution, other submissions and the grader's output.
# Base: solution
# Expect: full
# Note: read-secrets found 0:
import glob
import os
import sys

from sigcamp import toolchain

ROOT = str(toolchain.ROOT)  # the repository's path, wherever it was cloned
found = []


def grab(path):
    try:
        with open(path, "rb") as f:
            found.append(f"{path}: {f.read(80)!r}")
    except OSError:
        pass


for path in [f"{ROOT}/labs/02-masks/checks.py", f"{ROOT}/labs/02-masks/source.ipynb",
             "../labs/02-masks/checks.py", "../../labs/02-masks/checks.py", "../../../labs/02-masks/checks.py",
             f"/proc/1/root{ROOT}/labs/02-masks/checks.py", "/proc/1/cwd/../labs/02-masks/checks.py",
             f"/proc/self/root{ROOT}/labs/02-masks/checks.py", "/root/.bashrc", "/root/.bash_history",
             "/etc/shadow", "/home"]:
    grab(path)
# the host paths of this job's directories, from the mount table: try their parents and siblings
with open("/proc/self/mountinfo") as f:
    roots = [line.split()[3] for line in f if len(line.split()) > 4 and line.split()[4] in ("/job", "/out")]
for root in roots:
    parts = root.rstrip("/").split("/")
    for i in range(2, len(parts)):
        parent = "/".join(parts[:i])
        for pattern in ("gradebook.csv", "results.json", "journal.jsonl", "*/*.ipynb", "*/*/*.ipynb", "*/*/*/*.ipynb"):
            for path in glob.glob(os.path.join(parent, pattern)):
                grab(path)
skip = {"/usr", "/proc", "/dev", "/sys", sys.prefix, sys.base_prefix, "/usr/local/go"}
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
    for name in files:
        path = os.path.join(top, name)
        if ((name == "checks.py" and path != f"{ROOT}/grader/checks.py")  # the public @check module
                or name in ("source.ipynb", "gradebook.csv", "journal.jsonl", "results.json")
                or (name.endswith(".ipynb") and path != "/job/02-masks.ipynb")):
            grab(path)
root_entries = sorted(os.listdir("/root")) if os.path.isdir("/root") else []
if [e for e in root_entries if e != ".pyenv"]:
    found.append(f"/root lists {root_entries}")
raise RuntimeError(f"read-secrets found {len(found)}: {found}")
