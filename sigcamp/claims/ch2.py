"""Chapter 2's claims: how the Go runtime takes over signals (all but the GC-latency table, in ch2_latency).

Each judge reads what its experiment returned (a DataFrame, with attrs) and
nothing else.
"""

from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted


def _join(items):
    return ", ".join(str(i) for i in items) or "none"


# --- start-up: what the runtime installs (takeover) -------------------------------------


def judge_blocks_at_startup(summary):
    """Refuted when no thread of a plain Go program blocks any signal; holds when every thread blocks some."""
    blocking = int((summary["blocked"] > 0).sum())
    measured = f"{blocking} of {len(summary)} threads of a plain Go program (no os/signal) block any signal"
    if blocking == 0:
        return Finding(refuted(), measured)
    if blocking == len(summary):
        return Finding(holds(), measured)
    return Finding(holds_only_when(f"on {blocking} of {len(summary)} threads"), measured)


def judge_sigwaitinfo_thread(handlers):
    """Refuted when the runtime never calls rt_sigtimedwait and sigtramp is the handler the kernel calls."""
    events = handlers.attrs["events"]
    waits = int((events["call"] == "rt_sigtimedwait").sum())
    entry = handlers["symbol"].value_counts()
    on_sigtramp = int(entry.get("runtime.sigtramp", 0))
    measured = (f"{waits} rt_sigtimedwait calls (sigwaitinfo's system call) at start-up; runtime.sigtramp is the "
                f"sa_handler of {on_sigtramp} of {len(handlers)} signals, installed with "
                f"{int(handlers['flags'].str.contains('SA_ONSTACK').sum())} × SA_ONSTACK: the kernel calls it on "
                "whichever thread it interrupts, on that thread's signal stack")
    if waits == 0 and on_sigtramp == len(handlers):
        return Finding(refuted(), measured)
    return Finding(holds(), measured)


def judge_sync_signals_to_sigtramp(handlers):
    """Holds when SIGSEGV and SIGBUS get runtime.sigtramp as their handler."""
    by_signal = handlers.set_index("signal")["symbol"]
    got = {s: by_signal.get(s) for s in ("SIGSEGV", "SIGBUS", "SIGFPE")}
    measured = "; ".join(f"{s}: sa_handler {fn or 'not installed'}" for s, fn in got.items())
    return Finding(holds() if all(fn == "runtime.sigtramp" for fn in got.values()) else refuted(), measured)


def judge_sigchld_ignored(table):
    """Refuted when SIGCHLD's SigCgt bit is set (absent from the not-caught table, or caught there)."""
    row = table[table["signal"] == "SIGCHLD"]
    caught = row.empty or row.iloc[0]["pure Go"] != "not caught"
    measured = ("SIGCHLD's SigCgt bit is set: the runtime catches it (and does nothing with it unless "
                "Notify asks)" if caught else "SIGCHLD is not caught")
    return Finding(refuted() if caught else holds(), measured)


def judge_invented_names(names):
    """Holds only when every name the article uses is defined in GOROOT; refuted when any is not."""
    missing = names.loc[~names["defined in GOROOT/src"], "name"].tolist()
    real = names.loc[names["defined in GOROOT/src"], "name"].tolist()
    measured = f"not defined anywhere in the installed GOROOT: {_join(missing)}; defined: {_join(real)}"
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
    measured = (f"enableSignal is called by {_join(calls['from'])}; it calls into the runtime: "
                f"{_join(callers.loc[callers['call'] != 'enableSignal', 'call'])}")
    return Finding(holds() if len(from_runtime) else refuted(), measured)


# --- the path of one SIGINT (sigpath) --------------------------------------------------

INVENTED = ("dosig", "goready", "sysmon", "needkill", "mksyscallg")


def judge_path(path):
    """Refuted when one SIGINT's stops run sighandler -> sigsend -> ... -> os/signal.process with no dosig,
    goready or sysmon on any stack; holds when those appear."""
    hops = [f.split(":")[0] for f in path["function"]]
    frames = {fn.split(".")[-1] for stack in path["stack"] for fn in stack}
    seen = [name for name in INVENTED if name in frames]
    measured = f"delve stopped at: {' → '.join(dict.fromkeys(hops))}; on their stacks: " + (
        f"{_join(seen)}" if seen else "no dosig, goready, sysmon, needkill or mksyscallg")
    if not len(path):
        return Finding(not_reproduced("no breakpoint on the SIGINT's path was hit"), measured)
    return Finding(holds() if seen else refuted(), measured)


def judge_goready(goroutines):
    """Refuted when the goroutine waiting in signal_recv sits in a system call (notetsleepg), not parked for goready."""
    rows = goroutines[goroutines["user_function"] == "os/signal.signal_recv"]
    if rows.empty:
        return Finding(not_reproduced("no goroutine waits in os/signal.signal_recv"), "no receiver goroutine found")
    r = rows.iloc[0]
    measured = (f"goroutine {r['id']} (started by {r['start_function']}) waits in os/signal.signal_recv with status "
                f"{r['status']!r}" + (f" ({r['wait_reason']})" if isinstance(r["wait_reason"], str) else ""))
    if r["status"] == "syscall":
        return Finding(refuted(), measured + ": it sleeps on a note (notetsleepg); sigsend wakes it with "
                                             "notewakeup, not goready")
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
    measured = (f"`continue` stopped in runtime.schedule {len(schedule)} times ({before_ready} before main printed "
                f"READY); Ctrl+C at dlv: {'forwarded' if forwarded else 'not forwarded, dlv halted the program'}; "
                f"the signal numbers in RDI at the sigtramp stops: {_join(rdi)}")
    if stops_at_sigtramp("continue, then Ctrl+C"):
        return Finding(holds(), measured)
    if stops_at_sigtramp("continue; kill"):
        return Finding(holds_only_when("SIGINT is sent with kill from outside dlv (delve keeps the Ctrl+C) and the "
                                       "schedule breakpoint is cleared first"), measured)
    return Finding(refuted(), measured)


# --- masks --------------------------------------------------------------------------------


def judge_mask_per_thread(steps):
    """Holds when C blocking SIGINT on one thread changes that thread only, a tgkill to it stays pending, and a
    kill(2) to the process still gets through."""
    start, aimed, killed = steps.iloc[0], steps.iloc[1], steps.iloc[2]
    one = int(start["threads blocking SIGINT"]) == 1
    pending = bool(aimed["SIGINT in its SigPnd"])
    through = killed["program"] not in ("survived", "running, no signal seen")
    measured = (f"{int(start['threads blocking SIGINT'])} thread blocks SIGINT; a tgkill to it "
                f"{'stays pending in its SigPnd' if pending else 'is not pending there'}; kill(2) to the process: "
                f"{killed['program']}")
    return Finding(holds() if one and pending and through else refuted(), measured)


def judge_sigprocmask_snippet(errors):
    """Refuted when the article's snippet does not compile on Linux."""
    if errors.empty:
        return Finding(holds(), f"compiles with {errors.attrs.get('go')}")
    return Finding(refuted(), f"{errors.attrs.get('go')}: " + "; ".join(
        f"{r['at']}: {r['compiler said']}" for _, r in errors.iterrows()) +
        " (golang.org/x/sys/unix.PthreadSigmask is what works, without cgo)")


# --- SIGSEGV (faults) ---------------------------------------------------------------------


def _case(table, name):
    return table.set_index("case").loc[name]


def judge_fault_address(table):
    """Refuted when a fault at address 0 panics but one far from 0 is fatal (the check is the address, not
    stack or heap)."""
    nil, wild = _case(table, "nil dereference"), _case(table, "fault far from 0, default")
    measured = (f"nil dereference: {nil['what the runtime did']}; fault at {wild['fault address']}: "
                f"{wild['what the runtime did']}")
    nil_panics = str(nil["what the runtime did"]).startswith("panic")
    wild_panics = str(wild["what the runtime did"]).startswith("panic")
    return Finding(refuted() if nil_panics and not wild_panics else holds(), measured)


def judge_segv_catchable(table):
    """Holds only when the SIGSEGV is a fault (Notify never gets one) if a kill's SIGSEGV does reach Notify."""
    nil, sent = _case(table, "nil dereference"), _case(table, "SIGSEGV sent with kill(2)")
    measured = (f"nil dereference: Notify(SIGSEGV) {'got' if nil['Notify(SIGSEGV) got it'] else 'did not get'} it, "
                f"recover() {'caught' if nil['recover() caught it'] else 'did not catch'} the panic; "
                f"SIGSEGV sent with kill: Notify {'got' if sent['Notify(SIGSEGV) got it'] else 'did not get'} it")
    if nil["Notify(SIGSEGV) got it"]:
        return Finding(refuted(), measured)
    if sent["Notify(SIGSEGV) got it"] or nil["recover() caught it"]:
        return Finding(holds_only_when("the SIGSEGV is a memory fault, and only for Notify: the fault becomes a "
                                       "panic that recover() catches, and a SIGSEGV sent with kill reaches Notify"),
                       measured)
    return Finding(holds(), measured)


def judge_segv_route(path):
    """Refuted when the nil dereference reaches its panic through sighandler and sigpanic (no sigwaitinfo, no
    runtime.dispatch); holds if dispatch is on the way."""
    hops = [f.split(":")[0] for f in path["function"]]
    frames = {fn for stack in path["stack"] for fn in stack}
    measured = f"delve stopped at: {' → '.join(hops)}"
    if path.empty:
        return Finding(not_reproduced("no stop on the SIGSEGV's path"), "no stop")
    if "runtime.dispatch" in frames:
        return Finding(holds(), measured)
    codes = [v.get("info.si_code") for v in path["values"] if v]
    return Finding(refuted(), measured + (f"; si_code {codes[0]} (from the kernel, not kill)" if codes else ""))


# --- the patched handler (handler_patch) --------------------------------------------------


def judge_patch_compiles(patches):
    """Refuted when the article's patch does not compile in sighandler."""
    art = patches.iloc[0]
    works = patches.iloc[1]
    if art["compiled"]:
        return Finding(holds(), f"the article's patch compiled; on kill -TRAP: {art['on kill -TRAP']}")
    where = "; `case _SIGTRAP:` is not in sighandler" if patches.attrs.get("anchor line") is None else ""
    said = "; ".join(str(art["compiler said"]).splitlines())
    return Finding(refuted(), f"compiler: {said}{where}; reading c.sigpc() and c.sigsp() "
                              f"instead compiles{' and prints ' + works['on kill -TRAP'].splitlines()[0] if works['compiled'] else ' not either'}")


def judge_make_bash(patches):
    """Refuted when `go build -overlay` runs a patched handler and GOROOT is left as it was."""
    works = patches.iloc[1]
    printed = works["compiled"] and "sighandler sig=" in str(works["on kill -TRAP"])
    same = bool(patches.attrs.get("goroot unchanged"))
    measured = (f"go build -overlay: patched handler {'printed' if printed else 'did not print'} its line; GOROOT's "
                f"signal_unix.go {'unchanged' if same else 'changed'}")
    return Finding(refuted() if printed and same else holds(), measured)


def judge_print_lock(facts):
    """Refuted when the handler's print calls printlock and printlock takes debuglock."""
    found = dict(zip(facts["evidence"], facts["found"]))
    where = dict(zip(facts["evidence"], facts["where"]))
    calls = next(v for k, v in found.items() if "calls runtime.printlock" in k)
    takes = next(v for k, v in found.items() if "takes debuglock" in k)
    measured = "; ".join(f"{k}: {'yes' if v else 'no'} ({where[k]})" for k, v in found.items())
    if calls and takes:
        return Finding(refuted(), measured + ". It is safe because the lock is taken once per M and a nested print on "
                                             "the same thread only counts up")
    return Finding(holds(), measured)


def judge_asyncpreemptoff(runs):
    """Holds when asyncpreemptoff=1 gives more stable logs (the SIGINT line exactly once, nothing broken);
    holds only when stable means fewer lines when both are equally reliable but the SIGURG lines go away."""
    by = {}
    for setting, g in runs.groupby("setting"):
        ok = int(((g["SIGINT lines"] == 1) & (g["broken lines"] == 0)).sum())
        by[setting] = (ok, len(g), float(g["SIGURG lines"].median()))
    (d_ok, d_n, d_urg), (o_ok, o_n, o_urg) = by["default"], by["asyncpreemptoff=1"]
    measured = (f"SIGINT line once and intact: {d_ok} of {d_n} runs by default, {o_ok} of {o_n} with "
                f"asyncpreemptoff=1; SIGURG lines per run (median): {d_urg:g} vs {o_urg:g}")
    if o_ok / o_n > d_ok / d_n:
        return Finding(holds(), measured)
    if o_ok / o_n == d_ok / d_n and o_urg < d_urg:
        return Finding(holds_only_when("'stable' means fewer lines: only the SIGURG (preemption) lines go away; "
                                       "the handler's SIGINT line is just as reliable either way"), measured)
    return Finding(refuted(), measured)


def judge_gotraceback(runs):
    """Holds when GOTRACEBACK=2 alone shows the registers; refuted when the registers show whatever it says."""
    r = runs.set_index("setting")["registers printed"]
    measured = "registers in the SIGTRAP crash: " + ", ".join(
        f"{s}: {'yes' if r[s] else 'no'}" for s in ("GOTRACEBACK unset", "GOTRACEBACK=2", "GOTRACEBACK=none"))
    if r["GOTRACEBACK=2"] and not r["GOTRACEBACK unset"]:
        return Finding(holds(), measured)
    if r["GOTRACEBACK=2"]:
        return Finding(refuted(), measured + ": a fatal signal is a runtime throw, which traces at level 2 "
                                             "(gotraceback) whatever GOTRACEBACK says")
    return Finding(refuted(), measured)


def judge_sigdump(runs):
    """Refuted when no GODEBUG table names sigdump and the output with it is the output without it."""
    out = runs.set_index("setting")["output"]
    same = out["GODEBUG=sigdump=1"] == out["GODEBUG unset"]
    known = bool(runs.attrs.get("sigdump known"))
    measured = (f"sigdump is {'a' if known else 'not a'} GODEBUG setting of this release (runtime/runtime1.go, "
                f"internal/godebugs); output after SIGUSR1 with it: {'the same as' if same else 'different from'} "
                "without it")
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
