"""Where Ctrl+C comes from: the terminal's settings and the process groups it signals."""

import shutil

import pandas as pd

from .. import procfs, session


def terminal_settings():
    """`stty -a` run on a fresh PTY like the ones the samples get; returns its output."""
    with session.start(shutil.which("stty"), args=("-a",), ready=None) as r:
        return r.wait(5).output.strip()


def process_groups(sample="spin-no-notify", launches=(None, "setsid", "background")):
    """For each launch: the program's pid, process group, session and its tty's foreground group.

    Ctrl+C reaches a process only when its group is the tty's foreground group
    (pgrp == tpgid); "SIGINT ignored" means it was inherited as SIG_IGN.
    """
    rows = []
    for launch in launches:
        with session.start(sample, launch=launch) as r:
            ids = procfs.process_ids(r.pid)
            main = procfs.thread_status(r.pid, r.pid)
            rows.append({"launch": launch or "direct", **{k: ids[k] for k in ("pid", "pgrp", "session", "tpgid")},
                         "in the foreground group": ids["pgrp"] == ids["tpgid"],
                         "SIGINT ignored": "SIGINT" in main["ignored"],
                         "SIGINT caught": "SIGINT" in main["caught"]})
    return pd.DataFrame(rows)
