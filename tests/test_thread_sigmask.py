"""Blocking a signal on one thread from Go: the article's snippet does not compile; x/sys does, without cgo."""

from sigcamp import thread_sigmask


def test_the_articles_snippet_does_not_compile_on_linux():
    errors = thread_sigmask.article_snippet()
    said = set(errors["compiler said"])
    assert {"undefined: syscall.Sigprocmask", "undefined: syscall.Sigset_t"} <= said
    assert "syscall.Sigprocmask(syscall.SIG_BLOCK" in errors.attrs["source"]


def test_pthread_sigmask_blocks_one_thread_only():
    steps = thread_sigmask.one_thread()
    start, aimed, killed = steps.iloc[0], steps.iloc[1], steps.iloc[2]
    assert start["threads blocking SIGUSR1"] == 1 and start["threads"] > 1
    assert aimed["SIGUSR1 pending on that thread"] and not aimed["SIGUSR1 pending for the process"]
    assert killed["the program"].startswith("got it") and killed["the program"].endswith("exit 0")
