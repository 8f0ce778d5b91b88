"""os/signal handed an os.Signal it does not know: what Notify, Stop, Reset and Ignore do, per Go release.

Such a signal (a type of the program's own, or a syscall.Signal past 64) has no
number: os/signal's signum returns -1. `run()` runs go_samples/signal-unknown
once per call sequence on each Go release and records how the last call ended.
"""

import re

import pandas as pd

from . import session, toolchain

SAMPLE = "signal-unknown"
CASES = {  # the sample's mode -> the calls it makes (appSignal is a type of the program's own)
    "notify-stop": "Notify(c, appSignal); Stop(c)",
    "notify-stop-99": "Notify(c, syscall.Signal(99)); Stop(c)",
    "notifycontext-stop": "ctx, stop := NotifyContext(ctx, appSignal); stop()",
    "notify-all-reset": "Notify(c) (every signal); Reset(appSignal)",
    "notify-sigsys-ignore": "Notify(c, SIGSYS); Ignore(appSignal)",
    "notify-usr1-reset": "Notify(c, SIGUSR1); Reset(appSignal)",
}
RETURNED, HUNG, PANICKED = "returned", "hangs", "panicked"
_CASE = re.compile(r"^CASE (\S+): (.*)$", re.M)


def _ended(text):
    """(result, detail) from the text after 'CASE mode: '."""
    if text.startswith("returned"):
        return RETURNED, text
    if text.startswith("panicked"):
        return PANICKED, text.split(": ", 1)[1]
    if text.startswith("still running"):
        return HUNG, text
    return "?", text


def run(cases=tuple(CASES), *, releases=None, wait="500ms"):
    """One run per case and Go release (default: toolchain.course_versions()).

    Columns: go, case, calls, result (returned / never returned / panicked),
    detail (what the sample printed: the panic's message, how long the call
    ran, the CPU the process used while it spun), exit.
    """
    rows = []
    for spec in releases if releases is not None else toolchain.course_versions():
        with toolchain.using(spec) as go:
            for case in cases:
                out = session.run(SAMPLE, send=None, args=(case, wait), wait=10)
                m = dict(_CASE.findall(out.output))
                result, detail = _ended(m.get(case, out.transcript.strip()))
                rows.append({"go": go.version_text, "case": case, "calls": CASES[case], "result": result,
                             "detail": detail, "exit": out.how})
    return pd.DataFrame(rows, columns=["go", "case", "calls", "result", "detail", "exit"])


def by_release(df):
    """One row per call sequence, one column per Go release: how the last call ended."""
    wide = df.pivot(index="calls", columns="go", values="result")
    order = [CASES[c] for c in df["case"].drop_duplicates()]
    return wide.reindex(order).rename_axis(columns=None).reset_index()


def source_change(releases=None):
    """The lines of os/signal's signal.go that test for a signal with no number (and the lazy handler of
    Go 1.27's Notify), and doc.go's word on Windows, in each course release."""
    from .systems import source_lines

    parts = []
    for spec in releases if releases is not None else toolchain.course_versions():
        with toolchain.using(spec) as go:
            for path, pattern in (("os/signal/signal.go", r"if n < 0 \{|getHandler := func|h := getHandler\(\)"),
                                  ("os/signal/doc.go", r"only signal that can be used on Windows")):
                df = source_lines(path, pattern)
                df.insert(0, "go", go.version_text)
                parts.append(df[["go", "file", "line", "in_function", "text"]])
    return pd.concat(parts, ignore_index=True)
