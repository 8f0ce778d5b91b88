"""Chapter 2: the article's debug print inside the runtime's signal handler, built and run.

`article_patch()` applies the article's patch to sighandler with `go build
-overlay` and shows the compiler's answer beside the patch that works.
`print_lock()` shows from the patched binary and the runtime's source what a
`print` in the handler takes. `stability()` runs the patched handler with and
without GODEBUG=asyncpreemptoff=1, many times, and counts what its log shows.
`debug_settings()` tries the article's GOTRACEBACK=2 and GODEBUG=sigdump=1.
"""

import re
import statistics
import textwrap
import subprocess

import pandas as pd

from . import gosource, overlay, samples, session, toolchain

# The article's patch, as printed (seed, section 2.5): "在 case _SIGTRAP: 分支前插入".
ARTICLE_PATCH = ('\tif sig == _SIGTRAP {\n'
                 '\t\tprint("DEBUG: SIGTRAP received at pc=", hex(pc), " sp=", hex(sp), "\\n")\n'
                 '\t}')
ARTICLE_ANCHOR = "case _SIGTRAP:"
NEAREST = "sig == _SIGTRAP"  # the line of sighandler that really tests for SIGTRAP
PREEMPT_SETTINGS = {"default": "", "asyncpreemptoff=1": "asyncpreemptoff=1"}


def _source():
    return (toolchain.go().goroot / overlay.SOURCE).read_text()


def article_patch(sample="notify-loop"):
    """The article's patch and the one that works, each built against the runtime in use.

    One row per patch: patch, code, placed (where in sighandler), compiled,
    compiler said, on kill -TRAP (the patched handler's line and how the program
    ended). attrs: "anchor line" (None: the article's `case _SIGTRAP:` is not in
    sighandler), "transcript" (the working build's output), "goroot unchanged".
    """
    source = _source()
    before = overlay.goroot_source_state()
    anchor = overlay.find_in_sighandler(source, ARTICLE_ANCHOR)
    nearest = overlay.find_in_sighandler(source, NEAREST)
    tried = overlay.attempt(sample, line=ARTICLE_PATCH, before=NEAREST)
    works = overlay.attempt(sample, line=overlay.PRINT, after=overlay.AFTER)
    rows = []
    transcript = ""
    for label, attempt, placed in (
            ("the article's", tried, f"before line {nearest} (`{NEAREST}`): "
                                     + ("the article's `case _SIGTRAP:` is not in sighandler" if anchor is None
                                        else f"the article's `case _SIGTRAP:` is line {anchor}")),
            ("the one that works", works,
             f"after line {overlay.find_in_sighandler(source, overlay.AFTER)} (`{overlay.AFTER}`)")):
        ran = ""
        if attempt.compiled:
            outcome = session.run(attempt.binary, "SIGTRAP", wait=5)
            transcript = outcome.transcript
            lines = [l for l in transcript.splitlines() if l.startswith((overlay.MARK, "DEBUG:", "SIGTRAP:"))]
            ran = "\n".join(lines + [outcome.how])
        code = textwrap.dedent(attempt.line.expandtabs(4)).replace(" // added by sigcamp.overlay", "")
        rows.append({"patch": label, "code": code,
                     "placed": placed, "compiled": attempt.compiled,
                     "compiler said": "\n".join(f"{f}:{n}:{c}: {msg}" for f, n, c, msg in attempt.errors),
                     "on kill -TRAP": ran})
    df = pd.DataFrame(rows)
    df.attrs.update({"anchor line": anchor, "transcript": transcript,
                     "goroot unchanged": before == overlay.goroot_source_state()})
    return df


def printlock_source():
    """The lines of runtime.printlock (runtime/print.go) in the Go in use, as (line number, code) pairs."""
    found = gosource.definitions("printlock", ("runtime",))
    path = toolchain.go().goroot / "src" / "runtime" / found.iloc[0]["file"]
    lines = path.read_text().splitlines()
    start = int(found.iloc[0]["line"]) - 1
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return [(i + 1, lines[i]) for i in range(start, end + 1)]


def sighandler_calls(binary):
    """The functions runtime.sighandler calls in `binary`, one entry per CALL (go tool objdump)."""
    proc = subprocess.run([str(toolchain.go().path), "tool", "objdump", "-s", r"^runtime\.sighandler$", str(binary)],
                          capture_output=True, text=True, env=toolchain.go_env(), timeout=120)
    return re.findall(r"CALL (runtime\.\w+)", proc.stdout)


def print_lock(sample="notify-loop"):
    """What a print in sighandler takes, on the Go in use: one row per fact, from the binaries and the source.

    Columns: evidence, found, where. The patched sighandler's machine code (go
    tool objdump) has one more CALL runtime.printlock than the plain one: the
    compiler wraps each print in printlock/printunlock; printlock takes
    debuglock only when this M's printlock count goes from 0 to 1.
    """
    patched = sighandler_calls(overlay.build(sample)).count("runtime.printlock")
    plain = sighandler_calls(samples.build(sample)).count("runtime.printlock")
    body = printlock_source()
    code = {text.strip(): n for n, text in body}
    counted = "mp.printlock++" in code
    guarded = "if mp.printlock == 1 {" in code
    locks = "lock(&debuglock)" in code
    rows = [
        {"evidence": "the patched print calls runtime.printlock", "found": patched > plain,
         "where": f"go tool objdump: {patched} CALL runtime.printlock in the patched sighandler, {plain} in the "
                  "plain one (its crash messages)"},
        {"evidence": "printlock counts the prints this M holds (mp.printlock++)", "found": counted,
         "where": f"print.go:{code.get('mp.printlock++', '')}"},
        {"evidence": "printlock takes debuglock only for the M's first print (if mp.printlock == 1)",
         "found": guarded and locks, "where": f"print.go:{code.get('if mp.printlock == 1 {', '')}"
                                               f"-{code.get('lock(&debuglock)', '')}"},
    ]
    df = pd.DataFrame(rows)
    df.attrs["printlock"] = "\n".join(text for _, text in body)
    return df


def _one_run(binary, env, spin):
    with session.start(binary, env=env) as prog:
        prog.pause(spin)
        prog.ctrl_c()
        outcome = prog.wait(3)
    out = outcome.output
    lines = overlay.handler_lines(out)
    marked = [l for l in out.splitlines() if overlay.MARK in l]
    intact = [l for l in marked if re.fullmatch(re.escape(overlay.MARK) + r"\d+ pc=0x[0-9a-f]+ sp=0x[0-9a-f]+\r?",
                                                l)]
    return {"SIGINT lines": int((lines["signal"] == "SIGINT").sum()),
            "SIGURG lines": int((lines["signal"] == "SIGURG").sum()),
            "other handler lines": int((~lines["signal"].isin(["SIGINT", "SIGURG"])).sum()),
            "broken lines": len(marked) - len(intact), "ended": outcome.how}


def stability(sample="notify-spin", *, runs=10, spin=0.2, gomaxprocs=2):
    """The patched handler's log with and without GODEBUG=asyncpreemptoff=1, `runs` times each, interleaved.

    Each run spins for `spin` s, gets Ctrl+C, and is read: how many handler lines
    for SIGINT and SIGURG, how many broken (not the whole patched line), how it
    ended. GOMAXPROCS=`gomaxprocs` keeps a P free for the Notify receiver, so
    turning async preemption off changes nothing else. One row per run.
    """
    binary = overlay.build(sample)
    env = {**samples.find(sample).env, "GOMAXPROCS": str(gomaxprocs)}
    rows = []
    for run in range(1, runs + 1):
        for setting, godebug in PREEMPT_SETTINGS.items():
            row = _one_run(binary, {**env, "GODEBUG": godebug} if godebug else env, spin)
            rows.append({"setting": setting, "run": run, **row})
    return pd.DataFrame(rows)


def stability_summary(runs):
    """Per setting: runs, runs whose log is stable (the SIGINT line exactly once, no broken line), SIGURG lines
    per run (median, min-max), runs that ended with exit 130."""
    rows = []
    for setting, group in runs.groupby("setting", sort=False):
        stable = ((group["SIGINT lines"] == 1) & (group["broken lines"] == 0)).sum()
        urg = group["SIGURG lines"]
        rows.append({"setting": setting, "runs": len(group), "stable log": f"{stable} of {len(group)}",
                     "SIGURG lines per run (median)": statistics.median(urg),
                     "SIGURG lines (min-max)": f"{urg.min()}-{urg.max()}",
                     "exit 130": f"{(group['ended'] == 'exit 130').sum()} of {len(group)}"})
    return pd.DataFrame(rows)


def debug_settings(sample="notify-loop"):
    """The article's GOTRACEBACK=2 ("shows the full register state") and GODEBUG=sigdump=1 ("forces a signal
    dump"), tried: one row per run (setting, sent, registers printed, goroutines printed, output lines,
    output). attrs: "sigdump known" (whether the runtime's or the go command's GODEBUG tables name it)."""
    binary = samples.build(sample)
    rows = []
    for setting, env, send in (("GOTRACEBACK unset", {}, "SIGTRAP"), ("GOTRACEBACK=2", {"GOTRACEBACK": "2"}, "SIGTRAP"),
                               ("GOTRACEBACK=none", {"GOTRACEBACK": "none"}, "SIGTRAP"),
                               ("GODEBUG unset", {}, "SIGUSR1"), ("GODEBUG=sigdump=1", {"GODEBUG": "sigdump=1"}, "SIGUSR1")):
        with session.start(binary, env=env) as prog:
            prog.send(send)
            if send == "SIGUSR1":  # handled by Notify: once it says so, end it with Ctrl+C
                prog.expect("got signal: user defined signal 1")
                prog.ctrl_c()
            outcome = prog.wait(3)
        out = outcome.transcript
        rows.append({"setting": setting, "sent": send,
                     "registers printed": bool(re.search(r"^rip\s+0x", out, re.M)),
                     "goroutines printed": len(re.findall(r"^goroutine \d+", out, re.M)),
                     "output lines": len(out.splitlines()), "ended": outcome.how,
                     "output": "\n".join(out.splitlines()[:4])})
    df = pd.DataFrame(rows)
    table = (toolchain.go().goroot / "src" / "internal" / "godebugs" / "table.go").read_text()
    df.attrs["sigdump known"] = "sigdump" in gosource.godebug_settings() or '"sigdump"' in table
    return df


def print_lock_on_releases(sample="notify-loop"):
    """print_lock() on every Go release the course runs on: one row per fact, one column per release.

    attrs: "printlock" ({release: runtime.printlock's source}), "same_source".
    """
    columns, sources = {}, {}
    for spec in toolchain.course_versions():
        with toolchain.using(spec) as go:
            facts = print_lock(sample)
        columns[go.version_text] = [f"{'yes' if ok else 'no'}: {where}" for ok, where in zip(facts["found"],
                                                                                          facts["where"])]
        sources[go.version_text] = facts.attrs["printlock"]
    df = pd.DataFrame({"evidence": facts["evidence"], **columns})
    df.attrs.update(printlock=sources, same_source=len(set(sources.values())) == 1)
    return df
