"""Chapter 2: SIGSEGV, the signal Go turns into a panic, and when it does not.

`outcomes()` runs the two fault samples: a nil dereference (recovered, and
invisible to Notify), a SIGSEGV sent with kill (delivered to Notify), and a
fault far from address 0 with and without debug.SetPanicOnFault. `path()`
follows the nil dereference under delve from runtime.sighandler, through the
runtime.sigpanic call the handler injects, to the deferred recover().
"""

import re

import pandas as pd

from . import samples, session, sigpath

# si_code values of a SIGSEGV (Linux, include/uapi/asm-generic/siginfo.h)
SI_CODES = {0: "SI_USER (sent with kill)", 1: "SEGV_MAPERR (address not mapped)",
            2: "SEGV_ACCERR (no permission)", 128: "SI_KERNEL"}
_RECOVERED = re.compile(r"^recovered(?: (with|without) SetPanicOnFault)?: (.*?)(?: \(addr (0x[0-9a-f]+)\))?$", re.M)


def outcomes():
    """One row per way a Go program can meet SIGSEGV, from two live runs.

    Columns: case, fault address, what the runtime did, recover() caught it,
    Notify(SIGSEGV) got it, program ended (exit status or signal). attrs hold
    "transcripts" ({sample: output without STAMP lines}).
    """
    nil_run = session.run("segv-recover", send="SIGSEGV", wait=5)
    wild_run = session.run("segv-wild-address", send=None, wait=5)
    nil_out, wild_out = nil_run.transcript, wild_run.transcript
    rec = {m.group(1) or "nil": m for m in _RECOVERED.finditer(nil_out + wild_out)}
    fault = re.search(r"unexpected fault address (0x[0-9a-f]+)", wild_out)
    rows = [
        {"case": "nil dereference", "fault address": "0x0",
         "what the runtime did": f"panic: {rec['nil'].group(2)}" if "nil" in rec else _fatal(nil_out),
         "recover() caught it": "nil" in rec,
         "Notify(SIGSEGV) got it": "Notify after the fault: nothing" not in nil_out,
         "program ended": nil_run.how},
        {"case": "SIGSEGV sent with kill(2)", "fault address": "",
         "what the runtime did": "sigsend: delivered to the Notify channel" if "got signal: segmentation fault"
         in nil_out else _fatal(nil_out),
         "recover() caught it": False, "Notify(SIGSEGV) got it": "got signal: segmentation fault" in nil_out,
         "program ended": nil_run.how},
        {"case": "fault far from 0, debug.SetPanicOnFault(true)",
         "fault address": rec["with"].group(3) if "with" in rec else (fault.group(1) if fault else ""),
         "what the runtime did": f"panic: {rec['with'].group(2)}" if "with" in rec else _fatal(wild_out),
         "recover() caught it": "with" in rec, "Notify(SIGSEGV) got it": False, "program ended": ""},
        {"case": "fault far from 0, default",
         "fault address": fault.group(1) if fault else "",
         "what the runtime did": _fatal(wild_out) if "without" not in rec else f"panic: {rec['without'].group(2)}",
         "recover() caught it": "without" in rec, "Notify(SIGSEGV) got it": False, "program ended": wild_run.how},
    ]
    df = pd.DataFrame(rows)
    df.attrs["transcripts"] = {"segv-recover": nil_out, "segv-wild-address": wild_out}
    return df


def _fatal(output):
    """The runtime's fatal lines of a crash ("unexpected fault address ...; fatal error: fault"), or ""."""
    lines = [l for l in output.splitlines() if l.startswith(("unexpected fault address", "fatal error:", "panic:"))]
    return "; ".join(lines)


def path(program="segv-recover", *, timeout=10):
    """Stops of a nil dereference under delve: the handler, the injected sigpanic, panicmem, the recover().

    runtime.sighandler (condition sig == 11) shows si_code and si_addr; the
    program's own `recovered:` line ends the path. A DataFrame as
    sigpath.stops() returns.
    """
    main = samples.find(program).main
    recovered = next(i for i, line in enumerate(main.read_text().splitlines(), 1) if '"recovered:"' in line)
    breaks = [
        sigpath.Break("runtime.sighandler", "runtime.sighandler", cond="sig == 11",
                      show=("info.si_code", "info.si_addr")),
        sigpath.Break("runtime.sigpanic", "runtime.sigpanic"),
        sigpath.Break("runtime.panicmem", "runtime.panicmem"),
        sigpath.Break("main.fault.func1: recover()", file=str(main), line=recovered),
    ]
    return sigpath.stops(program, breaks, send=None, timeout=timeout)


def describe_code(code):
    """A SIGSEGV si_code as its name and meaning."""
    return SI_CODES.get(int(code), str(code))
