"""Reading signal state from /proc: per-thread masks, decoded to signal names.

/proc/PID/task/TID/status holds each thread's own pending (SigPnd), blocked
(SigBlk), ignored (SigIgn) and caught (SigCgt) sets, and the process-wide
pending set (ShdPnd). Bit n-1 of each hex mask is signal n.
"""

import os
import re
import signal
import time
from pathlib import Path


# Linux x86-64/arm64 numbering. 32 and 33 are reserved by glibc (SIGCANCEL and
# SIGSETXID), so its SIGRTMIN, like Python's and `kill -l`'s, is 34.
_NAMES = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
    8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
    14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
    20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
    26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
    32: "SIG32", 33: "SIG33",
}
SIGRTMIN = 34
NSIG = 64
MASK_FIELDS = {"pending": "SigPnd", "shared_pending": "ShdPnd", "blocked": "SigBlk",
               "ignored": "SigIgn", "caught": "SigCgt"}


def name(num):
    """'SIGINT' for 2, 'SIGRTMIN+3' for 37."""
    if not 1 <= num <= NSIG:
        raise ValueError(f"signal numbers run from 1 to {NSIG}, got {num}")
    if num in _NAMES:
        return _NAMES[num]
    return "SIGRTMIN" if num == SIGRTMIN else f"SIGRTMIN+{num - SIGRTMIN}"


def number(signame):
    """2 for 'SIGINT', 37 for 'SIGRTMIN+3'."""
    if signame == "SIGRTMIN":
        return SIGRTMIN
    if signame.startswith("SIGRTMIN+"):
        return SIGRTMIN + int(signame[len("SIGRTMIN+"):])
    for num, n in _NAMES.items():
        if n == signame:
            return num
    raise ValueError(f"{signame!r} is not a signal name")


def decode_mask(mask):
    """frozenset of signal names in a mask given as hex text ('0000000000004002') or an int."""
    value = int(mask, 16) if isinstance(mask, str) else int(mask)
    if value < 0 or value >> NSIG:
        raise ValueError(f"a signal mask has {NSIG} bits, got {mask!r}")
    return frozenset(name(n) for n in range(1, NSIG + 1) if value >> (n - 1) & 1)


def encode_mask(names):
    """The int mask for an iterable of signal names (inverse of decode_mask)."""
    value = 0
    for n in names:
        value |= 1 << (number(n) - 1)
    return value


def _status(path):
    fields = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def thread_status(pid, tid):
    """The decoded masks of one thread, as a dict (same keys as thread_masks' columns)."""
    st = _status(f"/proc/{pid}/task/{tid}/status")
    row = {"tid": int(tid), "name": st.get("Name", "")}
    row.update({col: decode_mask(st[key]) for col, key in MASK_FIELDS.items()})
    return row


def thread_rows(pid):
    """One dict per thread of `pid` (tid order): tid, name, pending, shared_pending, blocked,
    ignored, caught. The masks are frozensets of signal names. Threads that exit while being
    read are left out."""
    rows = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir(), key=lambda p: int(p.name)):
        try:
            rows.append(thread_status(pid, task.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return rows


def settled_thread_rows(pid, *, agree=3, tries=40, pause=0.05):
    """thread_rows(pid) read until `agree` reads in a row are equal.

    While Go creates a thread, the new thread and its creator briefly block
    every signal (newosproc): a single read can catch that.
    """
    reads = []
    for _ in range(tries):
        reads = [*reads[-(agree - 1):], thread_rows(pid)]
        if len(reads) == agree and all(r == reads[0] for r in reads):
            break
        time.sleep(pause)
    return reads[-1]


def thread_masks(pid):
    """thread_rows(pid) as a DataFrame: one row per thread, the masks as frozensets of signal names."""
    import pandas as pd

    return pd.DataFrame(thread_rows(pid), columns=["tid", "name", *MASK_FIELDS])


_STATE_LINE = re.compile(rb"^State:\s*(\S)", re.M)
_UID_LINE = re.compile(rb"^Uid:\s*(\d+)", re.M)


def live_processes():
    """(pid, pgrp, real uid) of every live process (zombies aside), from /proc/PID/status.

    Every run's clean-up calls this, so it reads only the two lines it needs.
    """
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                text = f.read()
            state, uid = _STATE_LINE.search(text), _UID_LINE.search(text)
            if state and uid and state.group(1) != b"Z":
                found.append((int(name), os.getpgid(int(name)), int(uid.group(1))))
        except (OSError, ValueError):
            continue
    return found


def kill_until_gone(find, *, timeout=5.0):
    """SIGKILL the PIDs find() returns until it returns none, or `timeout` s pass (a killed
    process takes a while to go on a loaded machine). Returns how many kills were sent."""
    killed, deadline = 0, time.monotonic() + timeout
    while (pids := find()) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    return killed


def process_ids(pid):
    """pid, ppid, pgrp, session, tty_nr and tpgid (the tty's foreground group) from /proc/PID/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    comm_end = text.rindex(")")
    fields = text[comm_end + 2:].split()
    # fields[0] is the state; then ppid, pgrp, session, tty_nr, tpgid (stat fields 4-8)
    ppid, pgrp, session, tty_nr, tpgid = (int(x) for x in fields[1:6])
    return {"pid": int(pid), "name": text[text.index("(") + 1:comm_end], "ppid": ppid, "pgrp": pgrp,
            "session": session, "tty_nr": tty_nr, "tpgid": tpgid}
