"""Chapter 1's reading of the installed toolchain's source: the lines that time sysmon's preemption."""

import re

import pandas as pd

from .. import toolchain


SYSMON_LINES = (
    ("sysmon sleeps 20 µs while it finds work", r"delay = 20\b"),
    ("after 50 idle rounds it doubles its sleep", r"delay \*= 2"),
    ("up to 10 ms", r"if delay > 10\*1000"),
    ("a goroutine's slice", r"^const forcePreemptNS"),
    ("retake notes when it first saw a P on a new slice", r"pd\.schedwhen = now"),
    ("and preempts once the slice is over at one of its checks", r"pd\.schedwhen\+forcePreemptNS <= now"),
)


def sysmon_source():
    """The lines of the installed runtime/proc.go that time sysmon's preemption: its sleep, the 10 ms
    slice (forcePreemptNS) and the check in retake. One row each: what it does, file:line, the code."""
    path = toolchain.go().goroot / "src" / "runtime" / "proc.go"
    lines = path.read_text().splitlines()
    rows = []
    for meaning, pattern in SYSMON_LINES:
        hits = [(n, line.strip()) for n, line in enumerate(lines, 1) if re.search(pattern, line.strip())]
        for n, text in hits[:1]:
            rows.append({"what it does": meaning, "where": f"runtime/proc.go:{n}", "code": text})
        if not hits:
            rows.append({"what it does": meaning, "where": "runtime/proc.go", "code": "(not found in this release)"})
    return pd.DataFrame(rows)
