"""Cold and warm `make course` time, per notebook, measured side by side in one run.

Cold: an empty build directory (SIGCAMP_BUILD pointed at a fresh temporary
directory, so every sample and the Go build cache start from nothing). Warm: the
same command again right after. Prints seconds per notebook and the ratio.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
ROW = re.compile(r"^(\d\d-\S+\.ipynb)\s+([\d.]+)\s+(\S+)", re.M)


def run_course(build_dir):
    env = {**os.environ, "SIGCAMP_BUILD": str(build_dir)}
    t0 = time.monotonic()
    proc = subprocess.run([str(PY), "-m", "sigcamp", "course"], cwd=ROOT, env=env, capture_output=True, text=True)
    total = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"course failed:\n{proc.stdout}\n{proc.stderr}")
    return total, {m[0]: float(m[1]) for m in ROW.findall(proc.stdout)}


def main():
    with tempfile.TemporaryDirectory(prefix="sigcamp-bench-") as d:
        cold_total, cold = run_course(Path(d))
        warm_total, warm = run_course(Path(d))
    width = max(map(len, cold), default=8)
    print(f"{'notebook':<{width}}  {'cold s':>7}  {'warm s':>7}  cold/warm")
    for name in cold:
        print(f"{name:<{width}}  {cold[name]:7.1f}  {warm[name]:7.1f}  {cold[name] / warm[name]:8.2f}")
    print(f"{'total (make course)':<{width}}  {cold_total:7.1f}  {warm_total:7.1f}  {cold_total / warm_total:8.2f}")
    print(f"warm target <= 120 s: {'met' if warm_total <= 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
