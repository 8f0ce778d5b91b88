"""Fixtures for chapter 2's judges: evidence shaped as each experiment returns it, one case per verdict."""

import pandas as pd

HANDLER_FLAGS = "SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO"


def masks(*blocked):
    return pd.DataFrame({"tid": range(1, len(blocked) + 1), "main thread": [True] + [False] * (len(blocked) - 1),
                         "blocked": list(blocked)})


def startup(symbol="runtime.sigtramp", waits=0, segv="runtime.sigtramp"):
    sigs = ["SIGINT", "SIGBUS", "SIGFPE", "SIGSEGV"]
    df = pd.DataFrame({"signal": sigs, "symbol": [symbol, segv, segv, segv], "flags": [HANDLER_FLAGS] * 4})
    df.attrs["events"] = pd.DataFrame({"call": ["rt_sigaction"] * 4 + ["rt_sigtimedwait"] * waits})
    return df


def not_caught(sigchld=None):
    rows = [{"signal": "SIGKILL", "pure Go": "not caught"}]
    if sigchld is not None:
        rows.append({"signal": "SIGCHLD", "pure Go": "caught by Go's handler" if sigchld else "not caught"})
    return pd.DataFrame(rows)


def names(*missing):
    all_ = ["runtime.opensigset", "runtime.dosig", "runtime.sighandler"]
    return pd.DataFrame({"name": all_, "defined in GOROOT/src": [n not in missing for n in all_]})


def glossary(m="worker thread, or machine."):
    return pd.DataFrame({"letter": ["G", "M", "P"], "the runtime says": ["goroutine." if m != "Master" else "gateway",
                                                                         m, "processor" if m != "Master" else "proxy"]})


def callers(frm="os/signal.Notify"):
    return pd.DataFrame({"call": ["enableSignal", "signal_enable (runtime, by linkname)"],
                         "from": [frm, "os/signal.enableSignal"]})


def path(extra=()):
    stacks = [["runtime.sighandler", "runtime.sigtrampgo", "runtime.futex", *extra],
              ["runtime.sigsend", "runtime.sighandler"], ["os/signal.process", "os/signal.loop"]]
    return pd.DataFrame({"function": ["runtime.sighandler", "runtime.sigsend", "os/signal.process"], "stack": stacks,
                         "values": [{}, {}, {}]})


def goroutines(status="syscall", present=True):
    fn = "os/signal.signal_recv" if present else "main.main"
    return pd.DataFrame({"id": [1, 6], "user_function": ["main.main", fn], "start_function": ["runtime.main",
                         "os/signal.loop"], "status": ["waiting", status], "wait_reason": ["chan receive", None]})


def session(ctrl_c_stop="runtime.futex", kill_stop="runtime.sigtramp"):
    rows = [("continue", "runtime.schedule", False, ""), ("continue, then Ctrl+C at dlv", ctrl_c_stop, True,
            "received SIGINT, stopping process (will not forward signal)"),
            ("continue; kill -INT PID from another shell", kill_stop, True, "> [Breakpoint 1] ..."),
            ("print RDI", "", True, "2")]
    return pd.DataFrame(rows, columns=["typed", "stopped in", "READY printed", "dlv said"])


def one_thread(blocking=1, pending=True, program="exit 130"):
    return pd.DataFrame([
        {"step": "after start", "threads blocking SIGINT": blocking, "SIGINT in its SigPnd": False,
         "program": "running, no signal seen"},
        {"step": "tgkill", "threads blocking SIGINT": blocking, "SIGINT in its SigPnd": pending,
         "program": "running, no signal seen"},
        {"step": "kill", "threads blocking SIGINT": None, "SIGINT in its SigPnd": None, "program": program}])


def snippet(errors=True):
    rows = [{"at": "main.go:11:10", "code": "syscall.Sigprocmask(...)", "compiler said": "undefined: syscall.Sigprocmask"}]
    df = pd.DataFrame(rows if errors else [], columns=["at", "code", "compiler said"])
    df.attrs["go"] = "go1.26.8"
    return df


def faults(wild="unexpected fault address 0x10000000; fatal error: fault", nil_notify=False, kill_notify=True,
           recovered=True):
    return pd.DataFrame([
        {"case": "nil dereference", "fault address": "0x0", "what the runtime did": "panic: runtime error: invalid memory",
         "recover() caught it": recovered, "Notify(SIGSEGV) got it": nil_notify},
        {"case": "SIGSEGV sent with kill(2)", "fault address": "", "what the runtime did": "sigsend",
         "recover() caught it": False, "Notify(SIGSEGV) got it": kill_notify},
        {"case": "fault far from 0, default", "fault address": "0x10000000", "what the runtime did": wild,
         "recover() caught it": False, "Notify(SIGSEGV) got it": False}])


def segv_path(dispatch=False, empty=False):
    stacks = [["runtime.sighandler", "runtime.sigtrampgo", "main.deref"],
              ["runtime.sigpanic", "main.deref"] + (["runtime.dispatch"] if dispatch else [])]
    df = pd.DataFrame({"function": ["runtime.sighandler", "runtime.sigpanic"], "stack": stacks,
                       "values": [{"info.si_code": 1}, {}]})
    return df.iloc[0:0] if empty else df


def patches(article_compiles=False, printed=True, unchanged=True):
    df = pd.DataFrame([
        {"patch": "the article's", "compiled": article_compiles,
         "compiler said": "" if article_compiles else "signal_unix.go:675:47: undefined: pc",
         "on kill -TRAP": "DEBUG: SIGTRAP received\nexit 2" if article_compiles else ""},
        {"patch": "the one that works", "compiled": True, "compiler said": "",
         "on kill -TRAP": ("sigcamp: sighandler sig=5 pc=0x1 sp=0x2\nexit 2" if printed else "exit 2")}])
    df.attrs.update({"anchor line": None, "goroot unchanged": unchanged})
    return df


def lock(calls=True, takes=True):
    return pd.DataFrame({"evidence": ["the patched print calls runtime.printlock",
                                      "printlock counts the prints this M holds (mp.printlock++)",
                                      "printlock takes debuglock only for the M's first print (if mp.printlock == 1)"],
                         "found": [calls, True, takes], "where": ["objdump", "print.go:72", "print.go:73-74"]})


def stability(default_ok=4, off_ok=4, default_urg=10, off_urg=0, n=4):
    rows = []
    for setting, ok, urg in (("default", default_ok, default_urg), ("asyncpreemptoff=1", off_ok, off_urg)):
        for i in range(n):
            rows.append({"setting": setting, "run": i + 1, "SIGINT lines": 1 if i < ok else 0, "SIGURG lines": urg,
                         "broken lines": 0, "ended": "exit 130"})
    return pd.DataFrame(rows)


def settings(unset=True, two=True, none=True, sigdump_same=True, known=False):
    df = pd.DataFrame([
        {"setting": "GOTRACEBACK unset", "registers printed": unset, "output": "SIGTRAP: trace trap"},
        {"setting": "GOTRACEBACK=2", "registers printed": two, "output": "SIGTRAP: trace trap"},
        {"setting": "GOTRACEBACK=none", "registers printed": none, "output": "SIGTRAP: trace trap"},
        {"setting": "GODEBUG unset", "registers printed": False, "output": "READY\ngot signal: user defined signal 1"},
        {"setting": "GODEBUG=sigdump=1", "registers printed": False,
         "output": "READY\ngot signal: user defined signal 1" + ("" if sigdump_same else "\nsignal dump")}])
    df.attrs["sigdump known"] = known
    return df


FIXTURES = {
    "ch2.runtime-blocks-signals-at-startup": [(masks(0, 0, 0), "refuted"), (masks(3, 3), "holds"),
                                              (masks(40, 0, 0), "holds only when")],
    "ch2.sigtramp-thread-sigwaitinfo": [(startup(), "refuted"), (startup(waits=2), "holds")],
    "ch2.invented-runtime-names": [(names("runtime.opensigset", "runtime.dosig"), "refuted"), (names(), "holds")],
    "ch2.sync-signals-redirected-to-sigtramp": [(startup(), "holds"), (startup(segv=None), "refuted")],
    "ch2.sigchld-ignored": [(not_caught(), "refuted"), (not_caught(sigchld=False), "holds")],
    "ch2.runtime-calls-enablesignal": [(callers(), "refuted"), (callers("runtime.initsig"), "holds")],
    "ch2.sigint-path-dosig-sysmon": [(path(), "refuted"), (path(("runtime.dosig",)), "holds"),
                                     (path().iloc[0:0], "not reproduced")],
    "ch2.receiver-woken-by-goready": [(goroutines(), "refuted"), (goroutines("waiting"), "holds"),
                                      (goroutines(present=False), "not reproduced")],
    "ch2.delve-break-sigtramp-schedule": [(session(), "holds only when"),
                                          (session(ctrl_c_stop="runtime.sigtramp"), "holds"),
                                          (session(kill_stop="runtime.futex"), "refuted")],
    "ch2.mpg-master-proxy-gateway": [(glossary(), "refuted"), (glossary("Master"), "holds")],
    "ch2.mask-per-thread": [(one_thread(), "holds"), (one_thread(blocking=5), "refuted"),
                            (one_thread(program="survived"), "refuted")],
    "ch2.sigprocmask-snippet": [(snippet(), "refuted"), (snippet(errors=False), "holds")],
    "ch2.sigsegv-fault-address-check": [(faults(), "refuted"), (faults(wild="panic: runtime error"), "holds")],
    "ch2.sigsegv-not-catchable": [(faults(), "holds only when"), (faults(nil_notify=True), "refuted"),
                                  (faults(kill_notify=False, recovered=False), "holds")],
    "ch2.sigsegv-via-sigwaitinfo-dispatch": [(segv_path(), "refuted"), (segv_path(dispatch=True), "holds"),
                                             (segv_path(empty=True), "not reproduced")],
    "ch2.sighandler-patch-pc-sp": [(patches(), "refuted"), (patches(article_compiles=True), "holds")],
    "ch2.patch-needs-make-bash": [(patches(), "refuted"), (patches(unchanged=False), "holds"),
                                  (patches(printed=False), "holds")],
    "ch2.print-takes-no-locks": [(lock(), "refuted"), (lock(calls=False), "holds")],
    "ch2.asyncpreemptoff-stabler-log": [(stability(), "holds only when"), (stability(default_ok=2), "holds"),
                                        (stability(default_urg=0), "refuted"), (stability(off_ok=3), "refuted")],
    "ch2.gotraceback-2-registers": [(settings(), "refuted"), (settings(unset=False, none=False), "holds"),
                                    (settings(two=False), "refuted")],
    "ch2.godebug-sigdump": [(settings(), "refuted"), (settings(sigdump_same=False), "holds"),
                            (settings(known=True), "holds")],
}
