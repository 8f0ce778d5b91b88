"""Per-thread signal masks of a live program, and signals aimed at one thread.

A mask belongs to a thread: these helpers show which threads block what, and
compare a process-directed kill(2) with a thread-directed tgkill(2).
"""

import ctypes
import os
import re
import time

import pandas as pd

from . import procfs, session

_SYS_TGKILL = 234 if os.uname().machine == "x86_64" else 131  # arm64: 131
_libc = ctypes.CDLL(None, use_errno=True)


def tgkill(pid, tid, signame):
    """Send a signal to one thread (tgkill(2)); OSError when it fails."""
    if _libc.syscall(_SYS_TGKILL, int(pid), int(tid), procfs.number(signame)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"tgkill({pid}, {tid}, {signame}): {os.strerror(err)}")


def settled_masks(pid, *, agree=3, tries=40, pause=0.05):
    """thread_masks(pid) read until `agree` reads in a row are equal (see procfs.settled_thread_rows)."""
    rows = procfs.settled_thread_rows(pid, agree=agree, tries=tries, pause=pause)
    return pd.DataFrame(rows, columns=["tid", "name", *procfs.MASK_FIELDS])


def blocked_summary(pid, watch=("SIGINT", "SIGTERM", "SIGUSR1", "SIGURG")):
    """One row per thread: how many signals it blocks, and whether it blocks each watched one."""
    df = settled_masks(pid)
    out = pd.DataFrame({"tid": df.tid, "main thread": df.tid == int(pid), "blocked": df.blocked.apply(len)})
    for sig in watch:
        out[f"blocks {sig}"] = df.blocked.apply(lambda s, sig=sig: sig in s)
    return out


def one_thread_blocks(sample="cgo-thread-blocks-sigint"):
    """kill(2) versus tgkill(2) at a thread whose C code blocked SIGINT; a DataFrame of what each did.

    attrs: "tid" (the blocking thread), "masks" (every thread's masks read just
    after the tgkill, SIGINT pending on the blocking thread).
    """
    rows, seen = [], {}
    with session.start(sample) as prog:
        tid = int(re.search(r"blocked SIGINT on tid (\d+)", prog.output).group(1))

        def observe(step):
            masks = settled_masks(prog.pid)  # one read can catch a thread being created, all blocked
            st = masks.set_index("tid").loc[tid]
            rows.append({"step": step, "blocking thread": tid,
                         "SIGINT in its SigBlk": "SIGINT" in st["blocked"],
                         "SIGINT in its SigPnd": "SIGINT" in st["pending"],
                         "SIGINT in ShdPnd": "SIGINT" in masks.shared_pending.iloc[0],
                         "threads blocking SIGINT": int(masks.blocked.apply(lambda s: "SIGINT" in s).sum()),
                         "program": "got it" if "got signal" in prog.output else "running, no signal seen"})
            seen[step] = masks

        observe("after start")
        tgkill(prog.pid, tid, "SIGINT")
        time.sleep(0.3)
        observe("tgkill(pid, blocking tid, SIGINT)")
        prog.send("SIGINT")
        outcome = prog.wait(5)
        rows.append({"step": "kill(pid, SIGINT)", "blocking thread": tid, "program": outcome.how})
    df = pd.DataFrame(rows).astype({"threads blocking SIGINT": "Int64"})
    df.attrs.update(tid=tid, masks=seen["tgkill(pid, blocking tid, SIGINT)"], pid=prog.pid)
    return df
