"""Checks for lab 02-masks: decode /proc signal masks, then find the threads that block SIGUSR1.

The grader runs the notebook's decode_mask and blocking_threads (with what they use) in a
fresh Python, in a sandbox where the course library cannot be imported: first on the
example and on a live program of its own (answers the student may see), then on masks the
student has never seen, whose answers only the grader sees. It compares them with its own
decoding (sigcamp.procfs, here in the grader's process) and its own reading of /proc.
"""

from grader.checks import TimedOut, check, phrases
from sigcamp import i18n, procfs
from sigcamp.i18n import N_

SAMPLES = ("notify-unread",)
FUNCTIONS = ("decode_mask", "blocking_threads")
FORBIDDEN = ("sigcamp.procfs",)
CELL_TIMEOUT = 60
TIMEOUT = 180
CALL_TIMEOUT = 20  # seconds for the student's functions in each of the grader's runs

EXAMPLE = "0000000000004002"
# Hidden vectors: every standard signal, the glibc-reserved ones, real-time ones, and mixes.
VECTORS = ["0000000000000000", "0000000000000001", "0000000000000200", "0000000180000000",
           "0000000200000000", "8000000000000000", "fffffffe7ffbfeff", "0000000000014a02",
           "00000000fffffeff", "4000000000010000"]
SIGRTMIN, SIGRTMAX = 4, 5  # the vectors holding signal 34 alone, and signal 64 alone

MESSAGES = {
    "not_names": N_("{call} returned {got}, not a set of signal names"),
    "example": N_("decode_mask('0000000000004002') gave {got}, not SIGINT and SIGTERM"),
    "int": N_("decode_mask(0x4002) gave {got}, not SIGINT and SIGTERM"),
    "hidden_not_loaded": N_("your code could not be loaded in a fresh Python (the error is on the checks above)"),
    "hidden_failed": N_("decode_mask failed on {count} of the {total} masks you have not seen "
                        "(raised an exception, or returned something other than a set of names)"),
    "hidden_timeout": N_("decode_mask did not return within {seconds} s on the masks you have not seen"),
    "hidden_wrong": N_("decode_mask decodes {count} of the {total} masks you have not seen wrongly"),
    "realtime": N_("signal 64 should be SIGRTMIN+30 and signal 34 SIGRTMIN"),
    "not_tids": N_("blocking_threads(pid, 'SIGUSR1') returned {got}, not a list of thread IDs"),
    "threads": N_("blocking_threads(pid, 'SIGUSR1') did not return exactly the threads of the program that block "
                  "SIGUSR1 (what it returned is in the evidence)"),
    "no_truth": N_("the grader's own program had no thread blocking SIGUSR1"),
    "evidence_title": N_("your functions on the grader's inputs"),
    # the lines of the evidence
    "on_threads": N_("{call} on a program with {threads} threads"),
    "answer": N_("{call}: {answer}"),
    "no_answer": N_("no answer in time"),
    "raised": N_("raised {error}"),
    "printed": N_("what your code printed ({stream}):\n{text}"),
}
say = phrases(MESSAGES)


def _experiment(sub):
    """The grader's run of the student's functions (one per submission, shared by the checks)."""
    def run():
        source = sub.source(*FUNCTIONS)
        public = [["decode_mask", [EXAMPLE]], ["decode_mask", [int(EXAMPLE, 16)]]]
        if sub.public_only:
            result = sub.sandbox("masks.run", source=source, public=public[:1], timeout=CALL_TIMEOUT)
        else:
            result = sub.sandbox("masks.run", source=source, public=public,
                                 hidden=[["decode_mask", [v]] for v in VECTORS], sample=sub.samples["notify-unread"],
                                 signame="SIGUSR1", timeout=CALL_TIMEOUT)
        _note(sub, result)
        return result
    return sub.once("masks", run)


def _note(sub, result):
    """What the student may see: their answers on the public inputs, and their code's output there."""
    public = result["public"]
    lines = []
    if public["loaded"]:
        calls = ["decode_mask('0000000000004002')", "decode_mask(0x4002)",
                 "blocking_threads(pid, 'SIGUSR1')"][:len(public["results"])]
        if result["threads"] is not None:
            calls[-1] = say("on_threads", call=calls[-1], threads=result["threads"])
        for text, item in zip(calls, public["results"]):
            lines.append(say("answer", call=text, answer=repr(item["value"]) if "value" in item else
                             say("no_answer") if item.get("timeout") else
                             i18n.value(item["unreadable"]) if "unreadable" in item else
                             say("raised", error=sub.error_text(item.get("error") or {}))))
    for name in ("stdout", "stderr"):
        if public.get(name, "").strip():
            lines.append("\n" + say("printed", stream=name, text=public[name].strip()))
    sub.note(say("evidence_title"), "\n".join(lines))


def _public(sub, index, call):
    """The student's answer to public call `index`, or a fail saying why there is none."""
    return sub.answer(_experiment(sub)["public"], index, call, seconds=CALL_TIMEOUT)


def _names(item):
    """The signal names of an answer, sorted, or None when it is not a collection of distinct names."""
    value = item.get("value")
    if item.get("type") not in ("set", "frozenset", "list", "tuple") or not isinstance(value, list):
        return None
    if not all(isinstance(n, str) for n in value) or len(set(value)) != len(value):
        return None
    return sorted(value)


def _hidden(sub):
    """The student's decodings of the hidden vectors, after the checks that none failed (never shown)."""
    hidden = _experiment(sub)["hidden"]
    if not hidden["loaded"]:
        raise AssertionError(say("hidden_not_loaded"))
    results = hidden["results"]
    if any(r.get("timeout") for r in results):
        raise TimedOut(say("hidden_timeout", seconds=CALL_TIMEOUT))
    decoded = [_names(r) if "value" in r else None for r in results]
    failed = sum(d is None for d in decoded)
    if failed:
        raise AssertionError(say("hidden_failed", count=failed, total=len(VECTORS)))
    return decoded


@check(points=1, public=True)
def decodes_the_example(sub):
    """decode_mask('0000000000004002') is SIGINT and SIGTERM."""
    item = _public(sub, 0, f"decode_mask({EXAMPLE!r})")
    got = _names(item)
    assert got is not None, say("not_names", call=f"decode_mask({EXAMPLE!r})", got=repr(item.get("value")))
    assert got == ["SIGINT", "SIGTERM"], say("example", got=got)


@check(points=1)
def accepts_an_int(sub):
    """decode_mask also takes an int."""
    item = _public(sub, 1, "decode_mask(0x4002)")
    got = _names(item)
    assert got == ["SIGINT", "SIGTERM"], say("int", got=got if got is not None else repr(item.get("value")))


@check(points=3)
def decodes_hidden_masks(sub):
    """decode_mask agrees with /proc's numbering on masks you have not seen (bit n-1 is signal n)."""
    decoded = _hidden(sub)
    wrong = sum(got != sorted(procfs.decode_mask(v)) for v, got in zip(VECTORS, decoded))
    assert not wrong, say("hidden_wrong", count=wrong, total=len(VECTORS))


@check(points=1)
def names_realtime_signals(sub):
    """Real-time signals are named SIGRTMIN+n (SIGRTMIN is 34)."""
    decoded = _hidden(sub)
    assert decoded[SIGRTMAX] == ["SIGRTMIN+30"] and decoded[SIGRTMIN] == ["SIGRTMIN"], say("realtime")


@check(points=3)
def finds_the_blocking_thread(sub):
    """blocking_threads(pid, 'SIGUSR1') names exactly the threads of a live program that block SIGUSR1."""
    truth = _experiment(sub)["truth"]
    item = _public(sub, 2, "blocking_threads(pid, 'SIGUSR1')")
    got = item.get("value")
    if item.get("type") not in ("list", "tuple", "set", "frozenset") or not all(
            isinstance(t, int) and not isinstance(t, bool) for t in got or []):
        raise AssertionError(say("not_tids", got=repr(got)[:200]))
    if not truth:
        raise RuntimeError(say("no_truth"))
    assert set(got) == set(truth), say("threads")
