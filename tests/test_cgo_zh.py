"""Chapter 3 in Chinese: the judges' findings, the threads' roles, the mask map and the thread diagram
speak the reader's language, and the evidence itself stays English."""

import re
import warnings

import pandas as pd
import pytest

from sigcamp import cgo, i18n, ledger
from sigcamp.claims import ch3

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"(?<![\w`/.-])[A-Za-z][a-z]+(?:[ ,;:'-]+[A-Za-z][a-z]+){4,}")


@pytest.fixture
def zh():
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def english_left(text):
    """Runs of five or more English words outside `code` and 'quoted program output'."""
    return ENGLISH_RUN.findall(re.sub(r"`[^`]*`|'[^']*'", " ", text))


def fixtures():
    from claim_fixtures.ch3 import FIXTURES

    return [(claim, evidence, kind) for claim in ch3.CLAIMS for evidence, kind in FIXTURES[claim.id]]


@pytest.mark.parametrize("claim,evidence,kind", fixtures(), ids=lambda x: getattr(x, "id", None))
def test_the_judges_find_the_same_in_chinese_and_say_it_in_chinese(zh, claim, evidence, kind):
    finding = claim.judge(evidence)
    assert finding.verdict.kind == kind
    for text in (str(finding.verdict), finding.measured):
        assert CJK.search(text), text
        assert not english_left(text), text


def test_roles_outcomes_and_masks_are_translated_whole_and_the_data_are_not(zh):
    assert i18n.value("main thread (m0); locked to goroutine 1 (runtime.main)") == \
        "主线程（m0）；锁定给 goroutine 1（runtime.main）"
    assert i18n.value("locked to goroutine 1 (main.main); in a cgo call of goroutine 1 (main.main)") == \
        "锁定给 goroutine 1（main.main）；处于 goroutine 1（main.main）的 cgo 调用中"
    assert i18n.value("SIG_SETMASK all but SIGKILL SIGSTOP SIG32 SIG33") == \
        "SIG_SETMASK 除 SIGKILL SIGSTOP SIG32 SIG33 外全部"
    assert i18n.value("Ctrl+C: killed by SIGINT") == "Ctrl+C：被 SIGINT 终止"
    assert i18n.value("cgo-c-thread-signal: tgkill(SIGINT) at the thread C created") == \
        "cgo-c-thread-signal：向 C 创建的线程 tgkill(SIGINT)"
    assert i18n.value("user defined signal 1") == "user defined signal 1", "program output stays as printed"
    assert cgo.common.STILL_WAITING == "still waiting" and cgo.threads.C_CREATED == "created by C (no M)"


def threads():
    """thread_roles()'s shape: a main thread, the thread a SIGINT was aimed at (it blocks it), an idle M."""
    everything = frozenset(f"SIG{n}" for n in ("HUP", "INT", "QUIT", "USR1", "TERM", "URG"))
    rows = [(100, 0, "main thread (m0); locked to goroutine 1 (runtime.main)", frozenset(), frozenset()),
            (101, 3, "in a cgo call of goroutine 7 (main._Cfunc_block_sigint_and_wait)", frozenset({"SIGINT"}),
             frozenset({"SIGINT"})),
            (102, 4, "idle M", frozenset(), frozenset())]
    df = pd.DataFrame([{"tid": t, "m": m, "role": role, "blocked": len(b), "blocks": "SIGINT" if b else "none",
                        "pending": "SIGINT" if p else "none", "blocked_set": b, "pending_set": p,
                        "shared_pending_set": frozenset(), "caught_set": everything} for t, m, role, b, p in rows])
    df = df.astype({"m": "Int64"})
    df.attrs.update(target=101, signal="SIGINT", extra_ms=[{"m": 9, "running_g": None}])
    return df


def test_the_mask_map_speaks_chinese_with_a_font_that_has_its_glyphs(zh):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fig = cgo.mask_map(threads(), title="cgo-x: masks after tgkill(SIGINT) at the waiting thread").value
        fig.canvas.draw()
    assert not [w for w in seen if "missing from font" in str(w.message)], "Chinese glyphs drawn as boxes"
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "cgo-x：向等待线程 tgkill(SIGINT) 之后的信号掩码"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["无处理函数，未阻塞", "已安装处理函数，未阻塞", "已阻塞", "挂起"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "进程级挂起（ShdPnd）" and labels[1].startswith("TID 100  主线程（m0）")


def test_the_thread_diagram_speaks_chinese(zh):
    source = cgo.thread_diagram(threads(), title="cgo-x: its threads, and who can take a SIGINT").value.source
    for words in ("cgo-x：它的线程，以及谁能接收 SIGINT", "Go 运行时启动的线程", "挂起：该线程阻塞了它",
                  "空闲的 M", "内核从不阻塞它的线程中", "主线程（m0）", "（main._Cfunc_block_sigint_and_wait）"):
        assert words in source, words
    assert not english_left(re.sub(r"\\l|\\n", " ", source))


def test_the_english_ledger_of_chapter_3_is_unchanged_by_a_chinese_run(zh):
    from claim_fixtures.ch3 import FIXTURES

    evidence, _ = FIXTURES["ch3.sigprocmask-per-thread"][0]
    zh_finding = ch3.judge_mask_per_thread(evidence)
    i18n.set_language("en")
    en_finding = ch3.judge_mask_per_thread(evidence)
    assert zh_finding.verdict.kind == en_finding.verdict.kind
    assert en_finding.measured.startswith("after C's pthread_sigmask, 1 thread blocked SIGINT")
    assert str(en_finding.verdict) in ledger.KINDS
