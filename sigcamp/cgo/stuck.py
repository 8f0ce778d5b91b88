"""A goroutine stuck in a C call, seen from delve: through its JSON-RPC API, and with the
article's own commands typed at a real dlv prompt (the article's 3.3)."""

import re
import time
from dataclasses import dataclass

import pandas as pd

from .. import delve
from ..errors import SigcampError
from ..i18n import N_, _
from .common import BLOCKED_WAITER, tid_in, until_ready

DLV_COMMANDS = ("goroutines -u", "goroutine {id} dump", "help dump", "goroutine {id} bt")


@dataclass
class StuckInC:
    """What delve shows of a program whose goroutine waits inside a C call."""

    goroutines: pd.DataFrame
    goroutine: int  # the goroutine inside the C call
    stack: pd.DataFrame  # its frames, C ones included
    threads: pd.DataFrame
    tid: int  # the thread the program says is waiting


def stuck_in_c(sample=BLOCKED_WAITER, *, timeout=30):
    """Run the sample under headless delve until READY, halt it, and read goroutines, one stack, threads."""
    with delve.launch(sample, timeout=timeout) as dbg:
        until_ready(dbg, sample, timeout)
        if dbg.state().running:
            dbg.halt()
        gs = dbg.goroutines()
        in_c = gs[gs["start_function"].fillna("").str.contains("_Cfunc_")]
        if in_c.empty:
            raise SigcampError(f"no goroutine of {sample} was started on a C function:\n{gs}")
        gid = int(in_c["id"].iloc[0])
        stack = dbg.stacktrace(gid, depth=20)
        stack = stack[stack["function"].fillna("") != ""].reset_index(drop=True)
        return StuckInC(goroutines=gs, goroutine=gid, stack=stack, threads=dbg.threads(), tid=tid_in(dbg.target_output))


def article_dlv_commands(sample=BLOCKED_WAITER, commands=DLV_COMMANDS):
    """Type the article's dlv commands (and `help dump`) at a real dlv prompt, halted once the program is READY.

    "{id}" in a command is the goroutine that waits in C (read from `goroutines`).
    Returns one row per command: command, output.
    """
    rows, gid = [], None
    with delve.terminal(sample) as dlv:
        dlv.send("continue")
        dlv.expect("READY")
        time.sleep(0.2)
        dlv.ctrl_c()
        for command in commands:
            if "{id}" in command:
                if gid is None:
                    listing = dlv.cmd("goroutines")
                    m = re.search(r"Goroutine (\d+) - User: \S+ C\.", listing)
                    if not m:
                        raise SigcampError(f"no goroutine is in a C function:\n{listing}")
                    gid = int(m.group(1))
                command = command.format(id=gid)
            rows.append({N_("command"): command, N_("output"): dlv.cmd(command).strip()})
    return pd.DataFrame(rows)


def transcript(commands):
    """The rows of article_dlv_commands() as a dlv screen: `(dlv) command` lines, each with its output."""
    return "\n\n".join(f"(dlv) {r.command}\n{r.output}" for r in commands.itertuples())


def stack_caption(stuck):
    """The caption of a StuckInC's stack: which goroutine it is."""
    return _("the stack of goroutine {id}, stuck in C").format(id=stuck.goroutine)


def threads_caption(stuck):
    """The caption of a StuckInC's threads: the thread the program itself says waits in C."""
    return _("the program says its waiting thread is {tid}").format(tid=stuck.tid)
