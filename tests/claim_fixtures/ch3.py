"""Fixtures for chapter 3's judges: evidence shaped as the sigcamp.cgo experiments return it."""

import pandas as pd

from sigcamp.session import Outcome


def _outcome(output, code=0):
    return Outcome(exit_code=code, signal=None, output=output, alive=False, started_ns=0, ready_ns=0,
                   sent_ns=0, ended_ns=1)


def waiter(*, blocks="none", delivered=("SIGUSR1", "SIGRTMIN+1"), got="user defined signal 1, signal 35",
           masks=()):
    """cond_wait_signals(): three reads of the waiter, its strace events, what Notify got."""
    df = pd.DataFrame({"step": ["waiting", "tgkill(waiter, SIGUSR1)", "tgkill(waiter, SIGRTMIN+1)"],
                       "waiter blocks": [blocks] * 3, "waiter pending": ["none"] * 3,
                       "Notify got so far": ["nothing", got.split(", ")[0] if got != "nothing" else got, got]})
    events = [("rt_sigprocmask", "SIG_SETMASK all but SIGKILL SIGSTOP SIG32 SIG33"),
              ("rt_sigprocmask", "SIG_SETMASK none")]
    events += [("rt_sigprocmask", m) for m in masks]
    events += [("futex", "FUTEX_WAIT_BITSET_PRIVATE")]
    events += [("delivered", f"{sig} (SI_TKILL)") for sig in delivered]
    df.attrs.update(events=pd.DataFrame(events, columns=["call", "detail"]).assign(result="0"),
                    outcome=_outcome("pthread_cond_wait returned 0 times\n"), sent=("SIGUSR1", "SIGRTMIN+1"))
    return df


def one_thread(blocking=1, pending=True):
    """waiter_kill_vs_tgkill(): after start, after the tgkill, after the kill."""
    return pd.DataFrame({"step": ["after start", "tgkill(pid, blocking tid, SIGINT)", "kill(pid, SIGINT)"],
                         "SIGINT in its SigPnd": [False, pending, None],
                         "threads blocking SIGINT": pd.array([blocking, blocking, None], dtype="Int64"),
                         "program": ["running, no signal seen", "running, no signal seen", "exit 130"]})


FINISHED = "finished in 3.1ms"


def block(*, hangs=("SIGURG", "all"), hangs_with_calls=(), asleep=False, usr1_preempt=False, netpoll=False,
          sigprof=True):
    """block_signals(): one row per setting; GC still waiting for the settings in `hangs`."""
    rows = []
    for blocks, loop in (("nothing", "no calls"), ("SIGWINCH", "no calls"), ("SIGUSR1", "no calls"),
                         ("SIGURG", "no calls"), ("SIGURG", "calls a function"), ("all", "no calls")):
        hung = blocks in (hangs if loop == "no calls" else hangs_with_calls)
        rows.append({"C blocks on the spinner's thread": blocks, "spinner's loop": loop,
                     "spinner blocks": blocks, "signals blocked": 60 if blocks == "all" else 1,
                     "spinner pending (SigPnd)": "SIGURG" if hung else "none",
                     "GC": "still waiting" if hung else FINISHED, "printed a panic": asleep,
                     "all goroutines are asleep": asleep and blocks == "all",
                     "then": "Ctrl+C: killed by SIGINT" if hung else "exit 0"})
    df = pd.DataFrame(rows)
    roles = pd.DataFrame([
        {"signal": "SIGUSR1", "sigtable flags": "_SigNotify", "sighandler calls for it": "testSigusr1",
         "sigPreempt": usr1_preempt, "named in netpoll_epoll.go": False},
        {"signal": "SIGURG", "sigtable flags": "_SigNotify + _SigIgn", "sighandler calls for it": "doSigPreempt",
         "sigPreempt": not usr1_preempt, "named in netpoll_epoll.go": netpoll},
        {"signal": "SIGPROF", "sigtable flags": "_SigNotify + _SigUnblock",
         "sighandler calls for it": "validSIGPROF, sigprof" if sigprof else "nothing of its own",
         "sigPreempt": False, "named in netpoll_epoll.go": False}])
    df.attrs.update(roles=roles, hang=1.0)
    return df


LISTING = ("Goroutine 1 - User: main.go:75 main.main (0x4c1cbe) [chan receive]\n"
           "Goroutine 4 - User: nptl/futex-internal.c:57 C.__futex_abstimed_wait_common (0x7f31) (thread 24559)")
BT = "0 in C.__futex_abstimed_wait_common\n3 in C.___pthread_cond_wait\n8 in runtime.cgocall"


def dlv(*, dump="Command failed: not enough arguments", bt=BT, listing=LISTING):
    return pd.DataFrame({"command": ["goroutines -u", "goroutine 4 dump", "help dump", "goroutine 4 bt"],
                         "output": [listing, dump, "Creates a core dump from the current process state", bt]})


def cases(*, swallow=True, chain_swallows=False):
    """sigaction_cases(): the onstack case ran the C handler; Notify got nothing when it swallowed."""
    rows = [{"sample": "cgo-sigaction-onstack", "calls Go's handler": False, "C handler ran": 1,
             "Notify got": "nothing" if swallow else "interrupt", "ended": "exit 0", "runs": 2, "of": 2},
            {"sample": "cgo-sigaction-onstack-chain", "calls Go's handler": True, "C handler ran": 1,
             "Notify got": "nothing" if chain_swallows else "interrupt", "ended": "exit 0", "runs": 2, "of": 2},
            {"sample": "cgo-sigaction-in-constructor -no-notify", "calls Go's handler": False, "C handler ran": 1,
             "Notify got": None, "ended": "killed by SIGINT", "runs": 2, "of": 2}]
    return pd.DataFrame(rows).astype({"C handler ran": "Int64"})


FIXTURES = {
    "ch3.cond-wait-blocks-signals": [(waiter(), "refuted"), (waiter(blocks="SIGUSR1"), "holds"),
                                     (waiter(delivered=(), got="nothing"), "not reproduced")],
    "ch3.cond-wait-masks-rtmin": [(waiter(), "refuted"),
                                  (waiter(masks=("SIG_SETMASK SIG32 SIG33",), delivered=("SIGUSR1",)), "holds"),
                                  (waiter(delivered=("SIGUSR1",)), "not reproduced")],
    "ch3.signals-cannot-cross-cgocall": [(waiter(), "refuted"), (waiter(delivered=(), got="nothing"), "holds")],
    "ch3.sigprocmask-per-thread": [(one_thread(), "holds"), (one_thread(blocking=7), "refuted"),
                                   (one_thread(pending=False), "refuted")],
    "ch3.blocking-sigurg-sigwinch-breaks-scheduler": [
        (block(), "holds only when"), (block(hangs=("SIGURG", "SIGWINCH", "all")), "holds"),
        (block(hangs=()), "refuted")],
    "ch3.block-all-all-goroutines-asleep": [(block(), "refuted"), (block(asleep=True), "holds")],
    "ch3.sigusr1-preemption-and-gc": [(block(), "refuted"), (block(hangs=("SIGUSR1", "SIGURG", "all")), "holds"),
                                      (block(usr1_preempt=True), "holds")],
    "ch3.sigurg-netpoll": [(block(), "refuted"), (block(netpoll=True), "holds")],
    "ch3.sigprof-pprof": [(block(), "holds"), (block(sigprof=False), "refuted")],
    "ch3.dlv-goroutine-dump-c-frames": [(dlv(), "holds only when"), (dlv(dump=BT), "holds"),
                                        (dlv(bt="Command failed"), "refuted")],
    "ch3.cgo-calls-lose-signals": [(cases(), "holds only when"), (cases(swallow=False), "refuted"),
                                   (cases(chain_swallows=True), "holds")],
}
