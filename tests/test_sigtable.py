"""The runtime's sigtable, read from GOROOT: flags, reasons, and what initsig decides."""

from sigcamp import sigtable


def test_the_table_has_every_signal_with_its_flags():
    t = sigtable.table().set_index("number")
    assert len(t) == 64
    assert t.loc[2, "flags"] == ["_SigNotify", "_SigKill"]
    assert t.loc[9, "flags"] == [] and t.loc[19, "flags"] == []
    assert "SIGCANCEL" in t.loc[32, "comment"]


def test_decisions_follow_initsig():
    assert sigtable.decision(2) == (True, "_SigNotify + _SigKill")
    installs, why = sigtable.decision(20)
    assert not installs and why.startswith("_SigDefault: if the signal isn't explicitly requested")
    assert sigtable.decision(33)[0] and not sigtable.decision(33, cgo=True)[0]
    assert sigtable.per_thread_syscall()[0] == 33
    assert not sigtable.decision(32)[0] and not sigtable.decision(34)[0]
