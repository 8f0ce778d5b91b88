"""The runtime's own steps for each signal, stamped by a patched runtime (`go build -overlay`).

A build of latency-notify against copies of runtime/signal_unix.go and runtime/sigqueue.go
that stamp, for SIGUSR1, with runtime.nanotime (CLOCK_MONOTONIC) and gettid:

- handler: the entry of `runtime.sighandler`, on whichever thread the kernel chose;
- handled: `runtime.sigsend` has set the signal's bit and is about to wake the receiver;
- loop: the `os/signal.loop` goroutine back in `runtime.signal_recv`, running again on a thread;

and a file added to the sample's package that reads those stamps (a linkname the
runtime copy allows). GOROOT is never written. `stage_table()` turns the stamps
into the steps of each signal's way.
"""

import hashlib
import json
import os
import re

import numpy as np
import pandas as pd

from . import samples, toolchain
from .errors import SigcampError

SAMPLE = "latency-notify"
MARK = "sigcampStages"  # the runtime variable; its name in the binary shows the patch took
HANDLER = re.compile(r"^func sighandler\(sig uint32, .*\) \{$", re.M)
SIGSEND_NOTIFY = "\t// Notify receiver that queue has new bit.\nSend:\n"  # in runtime.sigsend, before any wake-up
RECV_WOKE = "\t\t// Incorporate updates from sender into local copy.\n"  # in runtime.signal_recv

RUNTIME_FILE = f"""// Added by sigcamp.latency_stages: stamps of the latest SIGUSR1's way through the runtime.

package runtime

import _ "unsafe"

// {MARK}: handler entry, sigsend about to wake, signal_recv woke (nanotime), handler tid, loop tid.
//
//go:linkname {MARK}
var {MARK} [5]int64
"""

SAMPLE_FILE = f"""// Added by sigcamp.latency_stages: reads the patched runtime's stamps.

package main

import (
	"sync/atomic"
	_ "unsafe"
)

//go:linkname runtimeStages runtime.{MARK}
var runtimeStages [5]int64

func init() {{
	stages = func() (s [5]int64) {{
		for i := range s {{
			s[i] = atomic.LoadInt64(&runtimeStages[i])
		}}
		return s
	}}
}}
"""


def _insert_once(text, anchor, added, *, before=True, where):
    if text.count(anchor) != 1:
        raise SigcampError(f"{where}: the place to stamp was not found once in this Go release's runtime; "
                           "its code has changed: update sigcamp.latency_stages")
    return text.replace(anchor, added + anchor if before else anchor + added)


def patch_signal_unix(source):
    """signal_unix.go with the handler-entry stamp at the top of `func sighandler`."""
    m = HANDLER.search(source)
    if not m:
        raise SigcampError("`func sighandler(sig uint32, ...) {` not found in runtime/signal_unix.go: "
                           "update sigcamp.latency_stages for this Go release")
    stamp = f"\n\tif sig == _SIGUSR1 {{\n\t\t{MARK}[0] = nanotime()\n\t\t{MARK}[3] = int64(gettid())\n\t}}"
    return source[: m.end()] + stamp + source[m.end():]


def patch_sigqueue(source):
    """sigqueue.go with stamps where sigsend, its bit set, is about to wake the receiver, and where
    signal_recv runs again."""
    source = _insert_once(source, SIGSEND_NOTIFY, f"\tif s == _SIGUSR1 {{\n\t\t{MARK}[1] = nanotime()\n\t}}\n",
                          where="runtime.sigsend")
    return _insert_once(source, RECV_WOKE, f"\t\t{MARK}[2] = nanotime()\n\t\t{MARK}[4] = int64(gettid())\n",
                        where="runtime.signal_recv")


def overlay_file():
    """Write the patched runtime files, the sample's added file and the overlay JSON under
    _build/overlay/stages-<hash>/ (a new directory for any change); return the JSON's path."""
    goroot = toolchain.go().goroot / "src" / "runtime"
    sample_dir = samples.find(SAMPLE).dir
    files = {
        goroot / "signal_unix.go": patch_signal_unix((goroot / "signal_unix.go").read_text()),
        goroot / "sigqueue.go": patch_sigqueue((goroot / "sigqueue.go").read_text()),
        goroot / "sigcamp_stages.go": RUNTIME_FILE,
        sample_dir / "sigcamp_stages.go": SAMPLE_FILE,
    }
    digest = hashlib.sha256(json.dumps({str(k): v for k, v in files.items()}, sort_keys=True).encode())
    out_dir = toolchain.BUILD / "overlay" / f"stages-{digest.hexdigest()[:12]}"
    spec = out_dir / "overlay.json"
    if spec.exists():
        return spec
    out_dir.mkdir(parents=True, exist_ok=True)
    replace = {}
    for i, (target, text) in enumerate(files.items()):
        copy = out_dir / f"{i}-{target.name}"
        _write(copy, text)
        replace[str(target)] = str(copy)
    _write(spec, json.dumps({"Replace": replace}, indent=2) + "\n")
    return spec


def _write(path, text):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def build():
    """The stage-stamping build of latency-notify (the first one recompiles the runtime: several
    seconds; later ones are cached). Raises SigcampError if the patch is not in the binary."""
    binary = samples.build(SAMPLE, overlay=overlay_file())
    if MARK.encode() not in binary.read_bytes():
        raise SigcampError(f"{binary} was built without the stamping runtime: the overlay was ignored. "
                           "Its keys must be $(go env GOROOT)/src/runtime/..., spelled exactly so.")
    return binary


STAGE_COLUMNS = ["handler_ns", "handled_ns", "loop_ns", "handler_tid", "loop_tid", "receiver_tid"]
STEPS = {  # step -> (from column, to column), in the order a signal takes them
    "kill → runtime handler": ("sent_ns", "handler_ns"),
    "handler's own work (sigsend)": ("handler_ns", "handled_ns"),
    "wake-up 1: signal_recv runs again": ("handled_ns", "loop_ns"),
    "wake-up 2: your goroutine receives": ("loop_ns", "received_ns"),
}


def steps(df):
    """Per stamped signal, the µs each step took (columns: STEPS), from measure()'s rows;
    rows without stage stamps, or whose stamps are out of order, are left out."""
    staged = df.dropna(subset=["handler_ns", "handled_ns", "loop_ns"])
    out = pd.DataFrame(index=staged.index)
    for step, (start, end) in STEPS.items():
        out[step] = (staged[end].astype("int64") - staged[start].astype("int64")) / 1e3
    return out[(out >= 0).all(axis=1)]


def threads(df):
    """Per stamped signal: how many different threads carried it (handler, loop, receiver)."""
    staged = df.dropna(subset=["handler_tid", "loop_tid", "receiver_tid"])
    tids = staged[["handler_tid", "loop_tid", "receiver_tid"]].astype("int64").to_numpy()
    return pd.Series([len(set(row)) for row in tids], index=staged.index, dtype="int64")


def stamped_columns(stages, n):
    """The STAGE_COLUMNS of n signals from parse_report's stage tuples (all NA when there are none)."""
    if not stages:
        return {c: pd.array([pd.NA] * n, dtype="Int64") for c in STAGE_COLUMNS}
    if len(stages) != n:
        raise SigcampError(f"{len(stages)} STAGES lines for {n} signals: the stamping build lost some")
    values = np.asarray(stages, dtype=np.int64).T
    return {c: pd.array(v, dtype="Int64") for c, v in zip(STAGE_COLUMNS, values)}
