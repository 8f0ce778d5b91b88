"""The article's handler patch built and run: the compiler's answer, the print lock, asyncpreemptoff, GOTRACEBACK."""

from sigcamp import handler_patch


def test_the_articles_patch_fails_and_the_context_one_works():
    df = handler_patch.article_patch().set_index("patch")
    art, works = df.loc["the article's"], df.loc["the one that works"]
    assert not art["compiled"]
    assert "undefined: pc" in art["compiler said"] and "undefined: sp" in art["compiler said"]
    assert works["compiled"] and works["compiler said"] == ""
    assert "sighandler sig=5 pc=0x" in works["on kill -TRAP"] and "SIGTRAP: trace trap" in works["on kill -TRAP"]
    assert df.attrs["anchor line"] is None and df.attrs["goroot unchanged"]


def test_print_in_the_handler_takes_the_reentrant_print_lock():
    facts = handler_patch.print_lock()
    assert facts["found"].all(), facts
    assert "lock(&debuglock)" in facts.attrs["printlock"]


def test_stability_counts_each_runs_handler_lines():
    runs = handler_patch.stability(runs=2)
    assert len(runs) == 4 and set(runs["setting"]) == {"default", "asyncpreemptoff=1"}
    assert (runs["SIGINT lines"] == 1).all() and (runs["broken lines"] == 0).all()
    assert (runs["ended"] == "exit 130").all()
    off = runs[runs["setting"] == "asyncpreemptoff=1"]
    assert (off["SIGURG lines"] == 0).all()  # no async preemption, no SIGURG
    summary = handler_patch.stability_summary(runs)
    assert list(summary["stable log"]) == ["2 of 2", "2 of 2"]


def test_gotraceback_and_sigdump_as_the_article_uses_them():
    df = handler_patch.debug_settings().set_index("setting")
    assert df.loc["GOTRACEBACK=2", "registers printed"]
    assert df.loc["GOTRACEBACK=none", "ended"] == "exit 2"
    assert df.loc["GODEBUG=sigdump=1", "output"] == df.loc["GODEBUG unset", "output"]
    assert not df.attrs["sigdump known"]
