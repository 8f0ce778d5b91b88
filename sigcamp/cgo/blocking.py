"""C blocks signals on the thread of a goroutine that spins, while runtime.GC() stops the world.

The article (3.2) says that blocking SIGURG, SIGWINCH or every signal from a
cgo call breaks the scheduler, and that it ends in "all goroutines are
asleep". Each setting here is one run of cgo-block-all-signals: what C
blocked, what the spinner's thread then has pending, and whether the GC ended.
"""

import re
import time
from dataclasses import dataclass

import pandas as pd

from .. import procfs, session, trace
from .common import BLOCK_ALL, tid_in
from .runtime_source import signal_roles

STILL_WAITING = "still waiting"


@dataclass(frozen=True)
class Setting:
    """One run of the sample: what C blocks on the spinner's thread, and how the spinner loops."""

    blocks: str  # "nothing", "all", or a signal name
    calls: bool = False  # the spinner's loop calls a function (a synchronous preemption point)

    @property
    def args(self):
        block = ("-no-block",) if self.blocks == "nothing" else (f"-block={self.blocks}",)
        return block + (("-calls",) if self.calls else ())

    @property
    def loop(self):
        return "calls a function" if self.calls else "no calls"


SETTINGS = (Setting("nothing"), Setting("SIGWINCH"), Setting("SIGUSR1"), Setting("SIGURG"),
            Setting("SIGURG", calls=True), Setting("all"))


def block_signals(settings=SETTINGS, *, hang=1.0):
    """runtime.GC() while C blocks signals on a spinning goroutine's thread; one row per setting.

    The spinner's mask is read at READY, its pending set after `hang` seconds,
    with whether the GC finished; then Ctrl+C if it still runs. attrs:
    "roles" (signal_roles(): what the runtime's source does with SIGUSR1,
    SIGURG, SIGPROF), "hang".
    """
    rows = []
    for s in settings:
        with session.start(BLOCK_ALL, args=s.args) as prog:
            tid = tid_in(prog.output)
            blocked = procfs.thread_status(prog.pid, tid)["blocked"]
            time.sleep(hang)
            alive = prog.alive()
            pending = trace.describe_mask(procfs.thread_status(prog.pid, tid)["pending"]) if alive else None
            if alive:
                prog.ctrl_c()
            outcome = prog.wait(5)
        done = re.search(r"GC finished in (\S+)", outcome.output)
        rows.append({"C blocks on the spinner's thread": s.blocks, "spinner's loop": s.loop,
                     "spinner blocks": trace.describe_mask(blocked), "signals blocked": len(blocked),
                     "spinner pending (SigPnd)": pending,
                     "GC": f"finished in {done.group(1)}" if done else STILL_WAITING,
                     "printed a panic": "panic" in outcome.output or "fatal error" in outcome.output,
                     "all goroutines are asleep": "all goroutines are asleep" in outcome.output,
                     "then": f"Ctrl+C: {outcome.how}" if alive else outcome.how})
    df = pd.DataFrame(rows)
    df.attrs.update(roles=signal_roles(), hang=hang)
    return df
