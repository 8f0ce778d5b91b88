"""The latency floor: C handler versus Go Notify through the harness, and C on its own.

One run measures the c-floor, go-idle and go-idle-stamped cases side by side
with sigcamp.latency.measure, in three interleaved rounds, and prints their
medians, the ratio go-idle / c-floor per round, and where the stamped Go
program's time goes (kill to the runtime's handler, the handler's own work, and
the two thread wake-ups to your goroutine) beside the C floor's kill to its
handler. Then the latency-c-kill sample times kill() and raise() to a C handler
with no Python involved. The wake-up dominates, and it depends on whether
sender and receiver share a CPU, so the check compares like with like: the
harness's c-floor median with this process (and so the program it starts)
pinned to one CPU must be within 2x of C's own same-CPU kill-to-handler median.
Exits 1 if it is not.

    .venv/bin/python benchmarks/latency_floor.py [-n SIGNALS]
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sigcamp import latency, latency_stages, samples  # noqa: E402

LINE = re.compile(r"^(\S+-to-handler\S*) n=(\d+) median_ns=(\d+) p99_ns=(\d+) max_ns=(\d+)$", re.M)


def harness(cases, n, rounds=1):
    """({case: median latency µs}, the rows), measured in one run."""
    df = latency.measure(cases, n=n, rounds=rounds, progress=False)
    return df.groupby("case", observed=True)["latency_us"].median().to_dict(), df


def harness_pinned(n):
    """The c-floor median (µs) with this process, and so the program, on one CPU."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    try:
        return harness(["c-floor"], n)[0]["c-floor"]
    finally:
        os.sched_setaffinity(0, saved)


def c_alone(n):
    """{measurement: median µs} from the latency-c-kill sample."""
    exe = samples.build("latency-c-kill")
    proc = subprocess.run([str(exe), "-n", str(n)], capture_output=True, text=True, timeout=120,
                          start_new_session=True)
    if proc.returncode != 0:
        sys.exit(f"latency-c-kill failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return {m[0]: int(m[2]) / 1e3 for m in LINE.findall(proc.stdout)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="signals per measurement (default 1000)")
    n = parser.parse_args().n
    both, df = harness(["c-floor", "go-idle", "go-idle-stamped"], n // 3, rounds=3)
    per_round = df.groupby(["round", "case"], observed=True)["latency_us"].median().unstack()
    steps = latency_stages.steps(df).median()
    pinned = harness_pinned(n)
    alone = c_alone(n)
    rows = [("harness: c-floor", both["c-floor"]), ("harness: go-idle", both["go-idle"]),
            ("harness: go-idle, stamping runtime", both["go-idle-stamped"])]
    rows += [(f"  stamped: {step}", us) for step, us in steps.items()]
    rows += [("harness: c-floor, one CPU", pinned)]
    rows += [(f"C alone: {name}", us) for name, us in alone.items()]
    print(f"{'measurement':<40} {'median µs':>10}")
    for name, us in rows:
        print(f"{name:<40} {us:10.1f}")
    same = alone["kill-to-handler-same-cpu"]
    ratio = pinned / same
    ratios = " ".join(f"{r:.2f}" for r in per_round["go-idle"] / per_round["c-floor"])
    print(f"ratio go-idle / c-floor:                        {both['go-idle'] / both['c-floor']:6.2f} (rounds: {ratios})")
    print(f"ratio go-idle stamped / plain (the stamps' cost): {both['go-idle-stamped'] / both['go-idle']:6.2f}")
    print(f"ratio c-floor / C kill-to-handler (free):       {both['c-floor'] / alone['kill-to-handler']:6.2f}")
    print(f"ratio c-floor / C kill-to-handler (one CPU):    {ratio:6.2f}")
    ok = ratio <= 2.0
    print(f"harness C floor within 2x of C alone (one CPU): {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
