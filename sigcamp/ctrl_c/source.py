"""Chapter 1's reading of the installed toolchain's source: the lines that time sysmon's preemption."""

import re

import pandas as pd

from .. import toolchain
from ..i18n import N_


SYSMON_LINES = (
    (N_("sysmon sleeps 20 µs while it finds work"), r"delay = 20\b"),
    (N_("after 50 idle rounds it doubles its sleep"), r"delay \*= 2"),
    (N_("up to 10 ms"), r"if delay > 10\*1000"),
    (N_("a goroutine's slice"), r"^const forcePreemptNS"),
    (N_("retake notes when it first saw a P on a new slice"), r"pd\.schedwhen = now"),
    (N_("and preempts once the slice is over at one of its checks"), r"pd\.schedwhen\+forcePreemptNS <= now"),
)


WHAT, WHERE, CODE = N_("what it does"), N_("where"), N_("code")
NOT_FOUND = N_("(not found in this release)")


def sysmon_source():
    """The lines of the installed runtime/proc.go that time sysmon's preemption: its sleep, the 10 ms
    slice (forcePreemptNS) and the check in retake. One row each: what it does, file:line, the code."""
    path = toolchain.go().goroot / "src" / "runtime" / "proc.go"
    lines = path.read_text().splitlines()
    rows = []
    for meaning, pattern in SYSMON_LINES:
        hits = [(n, line.strip()) for n, line in enumerate(lines, 1) if re.search(pattern, line.strip())]
        for n, text in hits[:1]:
            rows.append({WHAT: meaning, WHERE: f"runtime/proc.go:{n}", CODE: text})
        if not hits:
            rows.append({WHAT: meaning, WHERE: "runtime/proc.go", CODE: NOT_FOUND})
    return pd.DataFrame(rows)
