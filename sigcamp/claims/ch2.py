"""Chapter 2's claims: how the Go runtime takes over signals (all but the GC-latency table, in ch2_latency).

Each judge reads what its experiment returned (a DataFrame, with attrs) and
nothing else. What it says it measured is in the reader's language (i18n).
"""

from .. import i18n
from ..i18n import _
from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted


def _join(items):
    return ", ".join(str(i) for i in items) or _("none")


def _both(first, second):
    """Two measured facts as one text."""
    return _("{first}; {second}").format(first=first, second=second)


# --- start-up: what the runtime installs (takeover) -------------------------------------


def judge_blocks_at_startup(summary):
    """Refuted when no thread of a plain Go program blocks any signal; holds when every thread blocks some."""
    blocking = int((summary["blocked"] > 0).sum())
    measured = _("{blocking} of {total} threads of a plain Go program (no os/signal) block any signal").format(
        blocking=blocking, total=len(summary))
    if blocking == 0:
        return Finding(refuted(), measured)
    if blocking == len(summary):
        return Finding(holds(), measured)
    return Finding(holds_only_when(_("on {blocking} of {total} threads").format(blocking=blocking, total=len(summary))),
                   measured)


def judge_sigwaitinfo_thread(handlers):
    """Refuted when the runtime never calls rt_sigtimedwait and sigtramp is the handler the kernel calls."""
    events = handlers.attrs["events"]
    waits = int((events["call"] == "rt_sigtimedwait").sum())
    entry = handlers["symbol"].value_counts()
    on_sigtramp = int(entry.get("runtime.sigtramp", 0))
    measured = _("{waits} rt_sigtimedwait calls (sigwaitinfo's system call) at start-up; runtime.sigtramp is the "
                 "sa_handler of {on_sigtramp} of {total} signals, installed with {onstack} × SA_ONSTACK: the kernel "
                 "calls it on whichever thread it interrupts, on that thread's signal stack").format(
        waits=waits, on_sigtramp=on_sigtramp, total=len(handlers),
        onstack=int(handlers["flags"].str.contains("SA_ONSTACK").sum()))
    if waits == 0 and on_sigtramp == len(handlers):
        return Finding(refuted(), measured)
    return Finding(holds(), measured)


def judge_sync_signals_to_sigtramp(handlers):
    """Holds when SIGSEGV and SIGBUS get runtime.sigtramp as their handler."""
    by_signal = handlers.set_index("signal")["symbol"]
    got = {s: by_signal.get(s) for s in ("SIGSEGV", "SIGBUS", "SIGFPE")}
    measured = _("; ").join(_("{signal}: sa_handler {handler}").format(signal=s, handler=fn or _("not installed"))
                            for s, fn in got.items())
    return Finding(holds() if all(fn == "runtime.sigtramp" for fn in got.values()) else refuted(), measured)


def judge_sigchld_ignored(table):
    """Refuted when SIGCHLD's SigCgt bit is set (absent from the not-caught table, or caught there)."""
    row = table[table["signal"] == "SIGCHLD"]
    caught = row.empty or row.iloc[0]["pure Go"] != "not caught"
    measured = (_("SIGCHLD's SigCgt bit is set: the runtime catches it (and does nothing with it unless "
                  "Notify asks)") if caught else _("SIGCHLD is not caught"))
    return Finding(refuted() if caught else holds(), measured)


def judge_invented_names(names):
    """Holds only when every name the article uses is defined in GOROOT; refuted when any is not."""
    missing = names.loc[~names["defined in GOROOT/src"], "name"].tolist()
    real = names.loc[names["defined in GOROOT/src"], "name"].tolist()
    measured = _("not defined anywhere in the installed GOROOT: {missing}; defined: {defined}").format(
        missing=_join(missing), defined=_join(real))
    return Finding(refuted() if missing else holds(), measured)


def judge_mpg(glossary):
    """Refuted when the runtime's own comment expands G, M, P otherwise than Gateway, Master, Proxy."""
    says = dict(zip(glossary["letter"], glossary["the runtime says"]))
    measured = "runtime/proc.go: " + "; ".join(f"{k} - {v}" for k, v in says.items())
    article = {"M": "master", "P": "proxy", "G": "gateway"}
    if says and all(article[k] in v.lower() for k, v in says.items() if k in article):
        return Finding(holds(), measured)
    return Finding(refuted(), measured)


def judge_enable_signal(callers):
    """Refuted when only os/signal calls enableSignal (the runtime never does)."""
    calls = callers[callers["call"] == "enableSignal"]
    from_runtime = calls[calls["from"].str.startswith("runtime.")]
    measured = _("enableSignal is called by {callers}; it calls into the runtime: {callees}").format(
        callers=_join(calls["from"]),
        callees=_join(map(i18n.value, callers.loc[callers["call"] != "enableSignal", "call"])))
    return Finding(holds() if len(from_runtime) else refuted(), measured)


# --- the path of one SIGINT (sigpath) --------------------------------------------------

INVENTED = ("dosig", "goready", "sysmon", "needkill", "mksyscallg")


def judge_path(path):
    """Refuted when one SIGINT's stops run sighandler -> sigsend -> ... -> os/signal.process with no dosig,
    goready or sysmon on any stack; holds when those appear."""
    hops = [f.split(":")[0] for f in path["function"]]
    frames = {fn.split(".")[-1] for stack in path["stack"] for fn in stack}
    seen = [name for name in INVENTED if name in frames]
    measured = _("delve stopped at: {stops}; on their stacks: {seen}").format(
        stops=" → ".join(dict.fromkeys(hops)),
        seen=_join(seen) if seen else _("no dosig, goready, sysmon, needkill or mksyscallg"))
    if not len(path):
        return Finding(not_reproduced(_("no breakpoint on the SIGINT's path was hit")), measured)
    return Finding(holds() if seen else refuted(), measured)


def judge_goready(goroutines):
    """Refuted when the goroutine waiting in signal_recv sits in a system call (notetsleepg), not parked for goready."""
    rows = goroutines[goroutines["user_function"] == "os/signal.signal_recv"]
    if rows.empty:
        return Finding(not_reproduced(_("no goroutine waits in os/signal.signal_recv")),
                       _("no receiver goroutine found"))
    r = rows.iloc[0]
    facts = dict(id=r["id"], start=r["start_function"], status=repr(r["status"]), reason=r["wait_reason"])
    measured = (_("goroutine {id} (started by {start}) waits in os/signal.signal_recv with status {status} ({reason})")
                if isinstance(r["wait_reason"], str) else
                _("goroutine {id} (started by {start}) waits in os/signal.signal_recv with status {status}")
                ).format(**facts)
    if r["status"] == "syscall":
        return Finding(refuted(), _("{measured}: it sleeps on a note (notetsleepg); sigsend wakes it with "
                                    "notewakeup, not goready").format(measured=measured))
    return Finding(holds(), measured)


def judge_article_session(session):
    """The article's delve commands: holds when a Ctrl+C at dlv stops in sigtramp; holds only when the SIGINT comes
    from outside (kill) if only that does; refuted when neither does."""
    def stops_at_sigtramp(label):
        rows = session[session["typed"].str.startswith(label)]
        return bool((rows["stopped in"] == "runtime.sigtramp").any())

    schedule = session[(session["stopped in"] == "runtime.schedule")]
    before_ready = int((~schedule["READY printed"]).sum())
    ctrl_c = session[session["typed"].str.contains("Ctrl\\+C")]
    forwarded = not ctrl_c["dlv said"].str.contains("will not forward").any()
    rdi = session.loc[session["typed"] == "print RDI", "dlv said"].tolist()
    measured = _("`continue` stopped in runtime.schedule {times} times ({before} before main printed READY); Ctrl+C at "
                 "dlv: {ctrl_c}; the signal numbers in RDI at the sigtramp stops: {rdi}").format(
        times=len(schedule), before=before_ready, rdi=_join(rdi),
        ctrl_c=_("forwarded") if forwarded else _("not forwarded, dlv halted the program"))
    if stops_at_sigtramp("continue, then Ctrl+C"):
        return Finding(holds(), measured)
    if stops_at_sigtramp("continue; kill"):
        return Finding(holds_only_when(_("SIGINT is sent with kill from outside dlv (delve keeps the Ctrl+C) and the "
                                         "schedule breakpoint is cleared first")), measured)
    return Finding(refuted(), measured)


# --- masks --------------------------------------------------------------------------------


def judge_mask_per_thread(steps):
    """Holds when C blocking SIGINT on one thread changes that thread only, a tgkill to it stays pending, and a
    kill(2) to the process still gets through."""
    start, aimed, killed = steps.iloc[0], steps.iloc[1], steps.iloc[2]
    one = int(start["threads blocking SIGINT"]) == 1
    pending = bool(aimed["SIGINT in its SigPnd"])
    through = killed["program"] not in ("survived", "running, no signal seen")
    measured = (_("{threads} thread blocks SIGINT; a tgkill to it stays pending in its SigPnd; kill(2) to the "
                  "process: {program}") if pending else
                _("{threads} thread blocks SIGINT; a tgkill to it is not pending there; kill(2) to the process: "
                  "{program}")).format(threads=int(start["threads blocking SIGINT"]),
                                       program=i18n.value(killed["program"]))
    return Finding(holds() if one and pending and through else refuted(), measured)


def judge_sigprocmask_snippet(errors):
    """Refuted when the article's snippet does not compile on Linux."""
    if errors.empty:
        return Finding(holds(), _("compiles with {go}").format(go=errors.attrs.get("go")))
    said = "; ".join(f"{r['at']}: {r['compiler said']}" for _row, r in errors.iterrows())
    return Finding(refuted(), _("{go}: {errors} (golang.org/x/sys/unix.PthreadSigmask is what works, without "
                                "cgo)").format(go=errors.attrs.get("go"), errors=said))


# --- SIGSEGV (faults) ---------------------------------------------------------------------


def _case(table, name):
    return table.set_index("case").loc[name]


def judge_fault_address(table):
    """Refuted when a fault at address 0 panics but one far from 0 is fatal (the check is the address, not
    stack or heap)."""
    nil, wild = _case(table, "nil dereference"), _case(table, "fault far from 0, default")
    measured = _("nil dereference: {nil}; fault at {address}: {wild}").format(
        nil=i18n.value(nil["what the runtime did"]), address=wild["fault address"],
        wild=i18n.value(wild["what the runtime did"]))
    nil_panics = str(nil["what the runtime did"]).startswith("panic")
    wild_panics = str(wild["what the runtime did"]).startswith("panic")
    return Finding(refuted() if nil_panics and not wild_panics else holds(), measured)


def judge_segv_catchable(table):
    """Holds only when the SIGSEGV is a fault (Notify never gets one) if a kill's SIGSEGV does reach Notify."""
    nil, sent = _case(table, "nil dereference"), _case(table, "SIGSEGV sent with kill(2)")
    measured = _("nil dereference: {notify}, {recover}; SIGSEGV sent with kill: {sent}").format(
        notify=_("Notify(SIGSEGV) got it") if nil["Notify(SIGSEGV) got it"] else _("Notify(SIGSEGV) did not get it"),
        recover=_("recover() caught the panic") if nil["recover() caught it"] else
        _("recover() did not catch the panic"),
        sent=_("Notify got it") if sent["Notify(SIGSEGV) got it"] else _("Notify did not get it"))
    if nil["Notify(SIGSEGV) got it"]:
        return Finding(refuted(), measured)
    if sent["Notify(SIGSEGV) got it"] or nil["recover() caught it"]:
        return Finding(holds_only_when(_("the SIGSEGV is a memory fault, and only for Notify: the fault becomes a "
                                         "panic that recover() catches, and a SIGSEGV sent with kill reaches "
                                         "Notify")), measured)
    return Finding(holds(), measured)


def judge_segv_route(path):
    """Refuted when the nil dereference reaches its panic through sighandler and sigpanic (no sigwaitinfo, no
    runtime.dispatch); holds if dispatch is on the way."""
    hops = [f.split(":")[0] for f in path["function"]]
    frames = {fn for stack in path["stack"] for fn in stack}
    measured = _("delve stopped at: {stops}").format(stops=" → ".join(hops))
    if path.empty:
        return Finding(not_reproduced(_("no stop on the SIGSEGV's path")), _("no stop"))
    if "runtime.dispatch" in frames:
        return Finding(holds(), measured)
    codes = [v.get("info.si_code") for v in path["values"] if v]
    if codes:
        measured = _("{measured}; si_code {code} (from the kernel, not kill)").format(measured=measured, code=codes[0])
    return Finding(refuted(), measured)


# --- the patched handler (handler_patch) --------------------------------------------------


def judge_patch_compiles(patches):
    """Refuted when the article's patch does not compile in sighandler."""
    art = patches.iloc[0]
    works = patches.iloc[1]
    if art["compiled"]:
        return Finding(holds(), _("the article's patch compiled; on kill -TRAP: {output}").format(
            output=art["on kill -TRAP"]))
    said = "; ".join(str(art["compiler said"]).splitlines())
    compiler = (_("compiler: {said}; `case _SIGTRAP:` is not in sighandler") if patches.attrs.get("anchor line") is None
                else _("compiler: {said}")).format(said=said)
    instead = (_("reading c.sigpc() and c.sigsp() instead compiles and prints {line}").format(
        line=works["on kill -TRAP"].splitlines()[0]) if works["compiled"] else
        _("reading c.sigpc() and c.sigsp() instead does not compile either"))
    return Finding(refuted(), _both(compiler, instead))


def judge_make_bash(patches):
    """Refuted when `go build -overlay` runs a patched handler and GOROOT is left as it was."""
    works = patches.iloc[1]
    printed = works["compiled"] and "sighandler sig=" in str(works["on kill -TRAP"])
    same = bool(patches.attrs.get("goroot unchanged"))
    measured = _both(_("go build -overlay: patched handler printed its line") if printed else
                     _("go build -overlay: patched handler did not print its line"),
                     _("GOROOT's signal_unix.go unchanged") if same else _("GOROOT's signal_unix.go changed"))
    return Finding(refuted() if printed and same else holds(), measured)


def judge_print_lock(facts):
    """Refuted when the handler's print calls printlock and printlock takes debuglock."""
    found = dict(zip(facts["evidence"], facts["found"]))
    where = dict(zip(facts["evidence"], facts["where"]))
    calls = next(v for k, v in found.items() if "calls runtime.printlock" in k)
    takes = next(v for k, v in found.items() if "takes debuglock" in k)
    measured = _("; ").join((_("{evidence}: yes ({where})") if v else _("{evidence}: no ({where})")).format(
        evidence=i18n.value(k), where=i18n.value(where[k])) for k, v in found.items())
    if calls and takes:
        return Finding(refuted(), _("{measured}. It is safe because the lock is taken once per M and a nested print "
                                    "on the same thread only counts up").format(measured=measured))
    return Finding(holds(), measured)


def judge_asyncpreemptoff(runs):
    """Holds when asyncpreemptoff=1 gives more stable logs (the SIGINT line exactly once, nothing broken);
    holds only when stable means fewer lines when both are equally reliable but the SIGURG lines go away."""
    by = {}
    for setting, g in runs.groupby("setting"):
        ok = int(((g["SIGINT lines"] == 1) & (g["broken lines"] == 0)).sum())
        by[setting] = (ok, len(g), float(g["SIGURG lines"].median()))
    (d_ok, d_n, d_urg), (o_ok, o_n, o_urg) = by["default"], by["asyncpreemptoff=1"]
    measured = _("SIGINT line once and intact: {d_ok} of {d_n} runs by default, {o_ok} of {o_n} with "
                 "asyncpreemptoff=1; SIGURG lines per run (median): {d_urg} vs {o_urg}").format(
        d_ok=d_ok, d_n=d_n, o_ok=o_ok, o_n=o_n, d_urg=f"{d_urg:g}", o_urg=f"{o_urg:g}")
    if o_ok / o_n > d_ok / d_n:
        return Finding(holds(), measured)
    if o_ok / o_n == d_ok / d_n and o_urg < d_urg:
        return Finding(holds_only_when(_("'stable' means fewer lines: only the SIGURG (preemption) lines go away; "
                                         "the handler's SIGINT line is just as reliable either way")), measured)
    return Finding(refuted(), measured)


def judge_gotraceback(runs):
    """Holds when GOTRACEBACK=2 alone shows the registers; refuted when the registers show whatever it says."""
    r = runs.set_index("setting")["registers printed"]
    measured = _("registers in the SIGTRAP crash: {settings}").format(settings=_(", ").join(
        _("{setting}: {answer}").format(setting=i18n.value(s), answer=_("yes") if r[s] else _("no"))
        for s in ("GOTRACEBACK unset", "GOTRACEBACK=2", "GOTRACEBACK=none")))
    if r["GOTRACEBACK=2"] and not r["GOTRACEBACK unset"]:
        return Finding(holds(), measured)
    if r["GOTRACEBACK=2"]:
        return Finding(refuted(), _("{measured}: a fatal signal is a runtime throw, which traces at level 2 "
                                    "(gotraceback) whatever GOTRACEBACK says").format(measured=measured))
    return Finding(refuted(), measured)


def judge_sigdump(runs):
    """Refuted when no GODEBUG table names sigdump and the output with it is the output without it."""
    out = runs.set_index("setting")["output"]
    same = out["GODEBUG=sigdump=1"] == out["GODEBUG unset"]
    known = bool(runs.attrs.get("sigdump known"))
    measured = _both(
        _("sigdump is a GODEBUG setting of this release (runtime/runtime1.go, internal/godebugs)") if known else
        _("sigdump is not a GODEBUG setting of this release (runtime/runtime1.go, internal/godebugs)"),
        _("output after SIGUSR1 with it: the same as without it") if same else
        _("output after SIGUSR1 with it: different from without it"))
    return Finding(refuted() if same and not known else holds(), measured)


STARTUP, NOT_CAUGHT, NAMES = "takeover.startup", "takeover.not_caught", "takeover.name_check"
CHEAP_STABILITY = {"runs": 3}

CLAIMS = [
    Claim("ch2.runtime-blocks-signals-at-startup",
          "Go runtime 在启动时主动调用 sigprocmask 阻塞除 SIGPROFSIGURG 等少数信号外的所有同步信号",
          "At start-up the runtime calls sigprocmask to block every synchronous signal except a few "
          "(SIGPROF, SIGURG)", "takeover.plain_program_masks", judge_blocks_at_startup),
    Claim("ch2.sigtramp-thread-sigwaitinfo",
          "确保仅由 runtime 自身的信号处理线程(sigtramp)统一捕获 … sigwaitinfo 以同步方式从内核提取信号信息",
          "Only the runtime's own signal thread, sigtramp, takes signals: it fetches them synchronously with "
          "sigwaitinfo", STARTUP, judge_sigwaitinfo_thread),
    Claim("ch2.invented-runtime-names",
          "runtime.sighandler 初始化前,调用 runtime.opensigset 构建屏蔽集 … func dosig(c *sigctxt) { … "
          "ready(mksyscallg(), 0, false) … sysmon 每 20ms 检查 needkill 标志",
          "Before sighandler is set up the runtime builds its mask with runtime.opensigset; dosig, mksyscallg and "
          "sysmon's needkill flag handle SIGINT", NAMES, judge_invented_names),
    Claim("ch2.sync-signals-redirected-to-sigtramp", "SIGSEGV/SIGBUS 等被重定向至 runtime 的 sigtramp,而非默认终止行为",
          "SIGSEGV, SIGBUS and the like are redirected to the runtime's sigtramp instead of their default action",
          STARTUP, judge_sync_signals_to_sigtramp),
    Claim("ch2.sigchld-ignored", "SIGCHLD 忽略(由 os/exec 等显式调用 waitpid 是(未屏蔽)",
          "SIGCHLD is ignored by the runtime (os/exec calls waitpid itself)", NOT_CAUGHT, judge_sigchld_ignored),
    Claim("ch2.runtime-calls-enablesignal", "Go运行时启动时会调用signal.enableSignal(SIGINT, ...)注册信号处理器",
          "At start-up the runtime calls signal.enableSignal(SIGINT, ...) to register the handler",
          "takeover.enable_signal_callers", judge_enable_signal),
    Claim("ch2.sigint-path-dosig-sysmon",
          "sigtramp 入口捕获信号并转交 sighandler,最终唤醒 sysmon 监控 goroutine 的 runq … "
          "sysmon 每 20ms 检查 needkill 标志,调用 gosched 让出 P",
          "A SIGINT goes sigtramp → sighandler → dosig → goready, and sysmon checks a needkill flag every 20 ms",
          "sigpath.trace_sigint", judge_path),
    Claim("ch2.receiver-woken-by-goready", "goready(唤醒 sigsend goroutine) … 通过 ready() 将系统监控 goroutine 置为可运行态",
          "The goroutine that receives signals is parked and made runnable by goready from sigsend",
          "sigpath.goroutine_snapshot", judge_goready),
    Claim("ch2.delve-break-sigtramp-schedule",
          "(dlv) break runtime.sigtramp … (dlv) break runtime.schedule … (dlv) continue … SIGINT(Ctrl+C)触发后,"
          "sigtramp 入口捕获信号并转交 sighandler",
          "With `break runtime.sigtramp`, `break runtime.schedule`, `continue`, a Ctrl+C stops at sigtramp's entry, "
          "which hands the signal to sighandler", "sigpath.article_session", judge_article_session),
    Claim("ch2.mpg-master-proxy-gateway", "在M/P/G(Master/Proxy/Gateway)模型中",
          "M, P and G stand for Master, Proxy and Gateway", "takeover.mpg_glossary", judge_mpg),
    Claim("ch2.mask-per-thread", "signal mask仅作用于当前Goroutine绑定的OS线程(M),而非全局或跨P生效",
          "A signal mask belongs to the OS thread (M) the goroutine runs on, not to the process or a P",
          "masks.one_thread_blocks", judge_mask_per_thread),
    Claim("ch2.sigprocmask-snippet",
          "syscall.Sigprocmask(syscall.SIG_BLOCK, &syscall.Sigset_t{1 << (syscall.SIGUSR1 - 1)}, &oldMask)",
          "Go code blocks SIGUSR1 on its thread with syscall.Sigprocmask(syscall.SIG_BLOCK, &syscall.Sigset_t{...}, "
          "&oldMask)", "thread_sigmask.article_snippet", judge_sigprocmask_snippet),
    Claim("ch2.sigsegv-fault-address-check", "SIGSEGV 检查 fault 地址是否在栈/堆,否则 panic",
          "On SIGSEGV the runtime checks whether the fault address is in a stack or the heap, and panics otherwise",
          "faults.outcomes", judge_fault_address),
    Claim("ch2.sigsegv-not-catchable", "SIGSEGV 检查 fault 地址是否在栈/堆,否则 panic 否(已接管)",
          "SIGSEGV cannot be caught by Go code: the runtime has taken it over", "faults.outcomes",
          judge_segv_catchable),
    Claim("ch2.sigsegv-via-sigwaitinfo-dispatch",
          "A[进程收到 SIGSEGV] --> B{内核检查线程 sigmask} … B -->|已屏蔽| C[sigwaitinfo 返回] … "
          "C --> E[runtime.dispatch] … E --> F[判定为 nil deref → panic]",
          "A nil dereference's SIGSEGV is blocked, fetched by sigwaitinfo, dispatched by runtime.dispatch and "
          "turned into a panic", "faults.path", judge_segv_route),
    Claim("ch2.sighandler-patch-pc-sp",
          "在 case _SIGTRAP: 分支前插入调试入口 … if sig == _SIGTRAP { … print(\"DEBUG: SIGTRAP received at pc=\", "
          "hex(pc), \" sp=\", hex(sp), \"\\n\")",
          "Insert `if sig == _SIGTRAP { print(... hex(pc) ... hex(sp) ...) }` before sighandler's "
          "`case _SIGTRAP:`", "handler_patch.article_patch", judge_patch_compiles),
    Claim("ch2.patch-needs-make-bash", "修改后需重新编译 Go 工具链:cd $GOROOT/src && ./make.bash",
          "After the change the Go toolchain must be rebuilt: cd $GOROOT/src && ./make.bash",
          "handler_patch.article_patch", judge_make_bash),
    Claim("ch2.print-takes-no-locks", "print 是 runtime 内置无锁打印函数,不依赖 malloc 或 goroutine 调度,确保信号上下文安全",
          "print is the runtime's lock-free built-in print, which keeps it safe in a signal handler",
          "handler_patch.print_lock", judge_print_lock),
    Claim("ch2.asyncpreemptoff-stabler-log", "日志仅在 GODEBUG=asyncpreemptoff=1 下更稳定(避免异步抢占干扰信号上下文)",
          "The handler's log is more stable only with GODEBUG=asyncpreemptoff=1 (async preemption disturbs the "
          "signal context)", "handler_patch.stability", judge_asyncpreemptoff, CHEAP_STABILITY),
    Claim("ch2.gotraceback-2-registers", "GOTRACEBACK=2 显示完整寄存器状态",
          "GOTRACEBACK=2 shows the full register state", "handler_patch.debug_settings", judge_gotraceback),
    Claim("ch2.godebug-sigdump", "GODEBUG=sigdump=1 强制触发信号转储", "GODEBUG=sigdump=1 forces a signal dump",
          "handler_patch.debug_settings", judge_sigdump),
]
