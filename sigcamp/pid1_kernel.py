"""The kernel's rule for a PID namespace's init, shown on a program with no handler at all.

`init_signal_rules()` runs c-no-handler as PID 1 and sends it SIGINT, SIGTERM,
SIGSTOP and SIGKILL first from a process inside its namespace (`nsenter --pid`
then `kill ... 1`), then from here, an ancestor namespace, reading PID 1's state
after each: which signals act, which the kernel drops.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd

from .container import start_pid1
from .errors import SigcampError

INSIDE = ("SIGINT", "SIGTERM", "SIGSTOP", "SIGKILL")
OUTSIDE = ("SIGINT", "SIGTERM", "SIGSTOP", "SIGCONT", "SIGKILL")
STATES = {"R": "running", "S": "running (asleep in pause)", "T": "stopped", "t": "stopped by a tracer",
          "Z": "ended, not yet reaped", "D": "running (uninterruptible sleep)"}


def _state(pid):
    """The kernel's state of process `pid` in words ("gone" once it has been reaped)."""
    try:
        letter = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
    return STATES.get(letter, letter)


def _kill_from_inside(init_pid, signame):
    """`kill -s SIG 1` run by a process that joined the namespace of `init_pid`; (exit code, stderr)."""
    nsenter = shutil.which("nsenter")
    if not nsenter:
        raise SigcampError("nsenter (util-linux) not found: apt-get install util-linux")
    user = [] if os.geteuid() == 0 else ["--user", "--preserve-credentials"]
    proc = subprocess.run([nsenter, "--target", str(init_pid), *user, "--pid", "--", "/bin/kill", "-s",
                           signame[3:], "1"], capture_output=True, text=True, timeout=10)
    return proc.returncode, proc.stderr.strip()


def init_signal_rules(program="c-no-handler", *, settle=0.2):
    """Signals to a PID 1 that has no handler: from inside its namespace, then from an ancestor.

    One row per signal: sent from, signal, the sender's kill returned, PID 1 then (its state
    `settle` s later). The namespace ends with the SIGKILL from outside; attrs["ended"] is how.
    """
    rows = []
    with start_pid1(program) as ns:
        for sig in INSIDE:
            rc, err = _kill_from_inside(ns.init_pid, sig)
            time.sleep(settle)
            rows.append({"sent from": "inside the namespace (nsenter, kill ... 1)", "signal": sig,
                         "kill returned": f"{rc}" + (f" ({err})" if err else ""), "PID 1 then": _state(ns.init_pid)})
        for sig in OUTSIDE:
            ns.kill_init(sig)
            time.sleep(settle)
            rows.append({"sent from": "outside (an ancestor namespace)", "signal": sig, "kill returned": "0",
                         "PID 1 then": _state(ns.init_pid)})
        outcome = ns.wait(2)
    df = pd.DataFrame(rows)
    df.attrs["ended"] = outcome.how
    return df
