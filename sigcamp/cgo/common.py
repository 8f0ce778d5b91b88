"""What every chapter 3 experiment shares: the samples' names, reading a TID a program printed,
condensing strace events, and the outcome words the chapter's tables use."""

import re
import time

import pandas as pd

from .. import i18n, trace
from ..errors import SigcampError
from ..i18n import N_

BLOCKED_WAITER = "cgo-cond-wait-blocks-sigint"
PLAIN_WAITER = "cgo-cond-wait"
CONSTRUCTOR = "cgo-constructor-blocks"
CONSTRUCTOR_NOTIFY = "cgo-constructor-blocks-notify"
BLOCK_ALL = "cgo-block-all-signals"
C_THREAD = "cgo-c-thread-signal"
CRASHING_HANDLER = "cgo-sigaction-no-onstack-chain"
CONSTRUCTOR_HANDLER = "cgo-sigaction-in-constructor"

NOTHING = N_("nothing")  # what a Notify channel got when no signal came
STILL_WAITING = N_("still waiting")  # a call strace saw no return of, or a GC that had not finished

# Words the condensed strace events carry (the values stay English; display translates them).
N_("delivered"), N_("exited")
BACK_FROM_HANDLER = i18n.pattern(N_("back from the handler, mask {mask}"))
EXITED = i18n.pattern(N_("the program exited ({status})"))
INTERRUPTED = i18n.pattern(N_("interrupted: {errno}"))
READ_ONLY = i18n.pattern(N_("{how} (read only)"))
for _how in ("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"):
    i18n.pattern(_how + " {mask}")  # e.g. "SIG_SETMASK none": the mask's words translated, the flag kept


def tid_in(output, pattern=r"tid (\d+)"):
    """The thread id a program printed (the first group of `pattern`)."""
    m = re.search(pattern, output)
    if not m:
        raise SigcampError(f"the program did not print its thread id (/{pattern}/); its output:\n{output}")
    return int(m.group(1))


def notify_got(output):
    """Every signal the program reports as received ("got signal: X" lines), or NOTHING."""
    return ", ".join(re.findall(r"got signal: ([^\n]+)", output)) or NOTHING


def _detail(row):
    """A short text for one strace event: the mask change, the futex operation, the signal."""
    if row.call == "rt_sigprocmask":
        if row.mask is None:
            return READ_ONLY.format(how=row.flags)
        return f"{row.flags} {trace.describe_mask(row.mask)}"
    if row.call == "futex":
        m = re.match(r"futex\([^,]+, (\w+)", row.raw)
        return m.group(1) if m else row.raw
    if row.call == "delivered":
        return f"{row.signal} ({row.flags})"
    if row.call == "rt_sigreturn":
        return BACK_FROM_HANDLER.format(mask=trace.describe_mask(row.mask)) if row.mask is not None else ""
    if row.call == "exited":
        return EXITED.format(status=row.result)
    return row.raw


def _result(call, value):
    """strace's result as a reader wants it: '?' (still waiting) spelt out, errno names kept."""
    if call in ("delivered", "killed"):
        return value if isinstance(value, str) else None
    if value == "?" or not isinstance(value, str):  # strace saw no return before the trace ended
        return STILL_WAITING
    if isinstance(value, str) and value.startswith("? "):
        return INTERRUPTED.format(errno=value[2:].split(" (")[0])
    if isinstance(value, str) and value.startswith("-1 "):
        return value[3:].split(" (")[0]
    return value


def thread_events(events, tid):
    """One thread's strace events, condensed to call, detail and result."""
    df = events[events["tid"] == tid]
    out = pd.DataFrame({N_("call"): df["call"], N_("detail"): [_detail(r) for r in df.itertuples()],
                        N_("result"): [_result(c, v) for c, v in zip(df["call"], df["result"])]})
    return out.reset_index(drop=True)


def ints(df, *columns):
    """df with the given columns as nullable integers (rows that lack them stay empty)."""
    return df.astype({c: "Int64" for c in columns if c in df.columns})


def until_ready(dbg, sample, timeout):
    """Continue a program under headless delve until it prints READY (SigcampError if it exits or takes
    longer than timeout seconds)."""
    deadline = time.monotonic() + timeout
    while "READY" not in dbg.target_output:
        if time.monotonic() > deadline:
            raise SigcampError(f"{sample} did not print READY under delve within {timeout} s")
        if dbg.continue_(timeout=0.5).exited:
            raise SigcampError(f"{sample} exited under delve before printing READY")
