"""The path of one signal through the runtime, under delve: SIGURG first, one SIGINT stop by stop, SIGSEGV."""

from sigcamp import faults, sigpath


def test_sighandler_stops_first_on_sigurg():
    hits = sigpath.first_sighandler_hits("notify-spin", n=3)
    assert list(hits["name"]) == ["SIGURG"] * 3
    assert list(hits["signal"]) == [23] * 3


def test_sighandler_with_a_condition_stops_on_sigint():
    hits = sigpath.first_sighandler_hits("notify-spin", n=1, cond="sig == 2", send="SIGINT")
    assert list(hits["name"]) == ["SIGINT"]


def test_one_sigint_from_the_handler_to_main():
    path = sigpath.trace_sigint("notify-loop")
    assert [f.split(":")[0] for f in path["function"]] == [
        "runtime.sigtramp", "runtime.sighandler", "runtime.sigsend", "runtime.sigsend", "os/signal.signal_recv",
        "os/signal.signal_recv", "os/signal.process", "main.main"]
    tramp, handler, send, wake, woken, recv, process, main = (path.iloc[i] for i in range(8))
    assert tramp["stack"][:2] == ["runtime.sigtramp", "runtime.sigreturn__sigaction"]
    assert tramp["thread"] == handler["thread"]
    assert handler["stack"][:2] == ["runtime.sighandler", "runtime.sigtrampgo"]
    assert handler["interrupted"] == send["interrupted"]  # the function the kernel interrupted, below sigtrampgo
    assert handler["thread"] == send["thread"] == wake["thread"]  # all on the signal stack of one thread
    assert woken["goroutine"] == recv["goroutine"] == process["goroutine"]  # the os/signal.loop goroutine
    assert "os/signal.loop" in process["stack"]
    assert main["goroutine"] == 1 and main["stack"][0] == "main.main"


def test_the_receiver_waits_in_a_system_call_not_parked():
    receiver = sigpath.receiver(sigpath.goroutine_snapshot("notify-loop"))
    assert receiver["start_function"] == "os/signal.loop"
    assert receiver["status"] == "syscall"  # notetsleepg: entersyscallblock, then a futex sleep


def test_the_articles_delve_session():
    s = sigpath.article_session()
    shown = s.drop(columns="dlv said").to_string()
    schedule = s[s["stopped in"] == "runtime.schedule"]
    assert len(schedule) == 3 and not schedule["READY printed"].iloc[0], shown  # the first, before main runs
    ctrl_c = s[s["typed"] == "continue, then Ctrl+C at dlv"].iloc[0]
    assert "will not forward signal" in ctrl_c["dlv said"] and ctrl_c["stopped in"] != "runtime.sigtramp", shown
    killed = s.index[s["typed"].str.startswith("continue; kill")][0]
    assert s.loc[killed, "stopped in"] == "runtime.sigtramp", shown
    assert s.loc[killed + 1, ["typed", "dlv said"]].tolist() == ["print RDI", "2"]
    sig = s[s["typed"] == "print sig"].iloc[0]["dlv said"]
    assert sig.startswith("struct { runtime.note runtime.note")  # `sig` is the runtime's queue, not the number
    assert "???" in s[s["typed"] == "stack"].iloc[0]["dlv said"]
    assert s.iloc[-1]["exit status"] == 130, shown


def test_sigsegv_outcomes():
    df = faults.outcomes().set_index("case")
    nil = df.loc["nil dereference"]
    assert nil["recover() caught it"] and not nil["Notify(SIGSEGV) got it"]
    assert df.loc["SIGSEGV sent with kill(2)", "Notify(SIGSEGV) got it"]
    assert df.loc["fault far from 0, debug.SetPanicOnFault(true)", "recover() caught it"]
    wild = df.loc["fault far from 0, default"]
    assert "fatal error: fault" in wild["what the runtime did"] and wild["program ended"] == "exit 2"


def test_a_nil_dereference_becomes_a_panic_through_sigpanic():
    path = faults.path()
    assert list(path["function"]) == ["runtime.sighandler", "runtime.sigpanic", "runtime.panicmem",
                                      "main.fault.func1: recover()"]
    handler, sigpanic = path.iloc[0], path.iloc[1]
    assert handler["values"] == {"info.si_code": 1, "info.si_addr": 0}  # SEGV_MAPERR at address 0
    assert handler["interrupted"] == "main.deref"
    assert sigpanic["stack"][:2] == ["runtime.sigpanic", "main.deref"]  # as if deref had called it
    assert len(set(path["goroutine"])) == 1


def test_the_path_diagram_is_drawn_from_the_stops():
    from sigcamp import pathdiagram

    path = sigpath.trace_sigint("notify-loop")
    source = pathdiagram.path_diagram(path).value.source
    for i, row in path.iterrows():
        assert f"{row['order']}. {row['function']}" in source
    assert source.count("subgraph cluster_") == len({(r.thread, r.goroutine) for r in path.itertuples()})
    assert f"thread {path.iloc[-1]['thread']} runs next" in source  # the hand-over to main's thread
