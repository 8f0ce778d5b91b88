"""Checks for lab 02-masks: decode /proc signal masks, then find the thread that blocks SIGUSR1."""

from grader.checks import check
from sigcamp import procfs

SAMPLES = ("notify-unread",)
CELL_TIMEOUT = 60
TIMEOUT = 180

# Hidden vectors: every standard signal, the glibc-reserved ones, real-time ones, and mixes.
VECTORS = ["0000000000000000", "0000000000000001", "0000000000000200", "0000000180000000",
           "0000000200000000", "8000000000000000", "fffffffe7ffbfeff", "0000000000014a02",
           "00000000fffffeff", "4000000000010000"]

HARVEST = {
    "example": "sorted(decode_mask('0000000000004002'))",
    "from_int": "sorted(decode_mask(0x4002))",
    "hidden": f"[sorted(decode_mask(v)) for v in {VECTORS!r}]",
    "source": "__import__('inspect').getsource(decode_mask) + '\\n' + "
              "__import__('inspect').getsource(blocking_threads)",
}


@check(points=1, public=True)
def decodes_the_example(sub):
    """decode_mask('0000000000004002') is SIGINT and SIGTERM."""
    got = sub.answer("example")
    assert got == ["SIGINT", "SIGTERM"], f"decode_mask('0000000000004002') gave {got}, expected SIGINT and SIGTERM"


@check(points=1)
def accepts_an_int(sub):
    """decode_mask also takes an int."""
    got = sub.answer("from_int")
    assert got == ["SIGINT", "SIGTERM"], f"decode_mask(0x4002) gave {got}"


@check(points=3)
def decodes_hidden_masks(sub):
    """decode_mask agrees with /proc's numbering on masks you have not seen (bit n-1 is signal n)."""
    got = sub.answer("hidden")
    assert isinstance(got, list) and len(got) == len(VECTORS), "the answer has the wrong shape"
    wrong = [v for v, names in zip(VECTORS, got) if names != sorted(procfs.decode_mask(v))]
    assert not wrong, f"{len(wrong)} of {len(VECTORS)} hidden masks decode wrongly"


@check(points=1)
def names_realtime_signals(sub):
    """Real-time signals are named SIGRTMIN+n (SIGRTMIN is 34)."""
    got = sub.answer("hidden")
    assert isinstance(got, list) and len(got) == len(VECTORS), "the answer has the wrong shape"
    assert got[5] == ["SIGRTMIN+30"] and got[4] == ["SIGRTMIN"], \
        "signal 64 should be SIGRTMIN+30 and signal 34 SIGRTMIN"


@check(points=3)
def finds_the_blocking_thread(sub):
    """blocking_threads(pid, 'SIGUSR1') names exactly the threads of a live program that block SIGUSR1."""
    source = sub.answer("source")
    assert isinstance(source, str), "no source for decode_mask and blocking_threads"
    got = sub.sandbox("student_blocking_threads", source=source, sample="notify-unread", signame="SIGUSR1")
    sub.note("threads blocking SIGUSR1", f"yours: {got['answer']}\nerrors: {got['stderr']}")
    assert got["truth"], "the grader's own program had no thread blocking SIGUSR1"
    assert got["answer"] is not None, "blocking_threads did not return a list of thread IDs"
    assert set(got["answer"]) == set(got["truth"]), \
        f"blocking_threads returned {len(got['answer'])} thread(s), not the {len(got['truth'])} that block SIGUSR1"
