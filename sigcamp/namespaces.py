"""Joining a container's namespaces from Go with setns(2), as the article's agent does.

`setns_join()` runs go_samples/setns-join (it makes its own "container" with
unshare(1)) and turns what it printed into facts: what joining the PID
namespace changed, for whom, and what the mount and user namespaces answered.
"""

import re

import pandas as pd

from . import session

SAMPLE = "setns-join"


def _fields(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


def setns_join():
    """One run of the sample. Returns a DataFrame (step, result) and attrs["facts"], a dict:
    pid_setns, mnt_setns, user_setns ("ok" or an errno name), own_pid_unchanged, thread_pidns_unchanged,
    children_in_target, same_thread_child_pid, other_thread_child_pid, other_thread_child_in_target,
    proc1 (what /proc/1 is afterwards), threads, nsenter_mnt ("ok" or the error)."""
    out = session.run(SAMPLE, send=None, wait=20, timeout=20)
    text = out.output
    line = {m.group(1): m.group(2) for m in re.finditer(r"^(SELF|AFTER|PROC1|THREADS|NSENTER mnt) ?(.*)$", text, re.M)}
    setns = dict(re.findall(r"^SETNS (\w+) (\S+)$", text, re.M))
    kids = {m.group(1): _fields(m.group(2)) for m in re.finditer(r"^CHILD (\S+) (.*)$", text, re.M)}
    self_, after = _fields(line.get("SELF", "")), _fields(line.get("AFTER", ""))
    same, other = kids.get("same-thread", {}), kids.get("other-thread", {})
    facts = {
        "pid_setns": setns.get("pid", "?"), "mnt_setns": setns.get("mnt", "?"), "user_setns": setns.get("user", "?"),
        "own_pid_unchanged": self_.get("pid") == after.get("getpid"),
        "thread_pidns_unchanged": self_.get("pidns") == after.get("pidns"),
        "children_in_target": after.get("children") == after.get("target"),
        "same_thread_child_pid": int(same["sees"]) if same.get("sees", "").isdigit() else None,
        "same_thread_child_in_target": same.get("pidns") == after.get("target"),
        "other_thread_child_pid": int(other["sees"]) if other.get("sees", "").isdigit() else None,
        "other_thread_child_in_target": other.get("pidns") == after.get("target"),
        "proc1": _fields(line.get("PROC1", "")).get("comm", "?"),
        "threads": int(line["THREADS"]) if line.get("THREADS", "").isdigit() else None,
        "nsenter_mnt": "ok" if line.get("NSENTER mnt", "").startswith("ok") else line.get("NSENTER mnt", "?"),
        "ended": out.how,
    }
    yes = {True: "yes", False: "no"}
    rows = [
        ("setns(fd, CLONE_NEWPID) on a locked thread", facts["pid_setns"]),
        ("the program's own PID changed", yes[not facts["own_pid_unchanged"]]),
        ("the calling thread's PID namespace changed", yes[not facts["thread_pidns_unchanged"]]),
        ("that thread's children go into the container's PID namespace", yes[facts["children_in_target"]]),
        ("a shell started from that thread sees itself as PID", facts["same_thread_child_pid"]),
        ("a shell started from another thread sees itself as PID", facts["other_thread_child_pid"]),
        ("/proc/1 for the program afterwards (still the host's /proc)", facts["proc1"]),
        (f"setns(fd, CLONE_NEWNS) from Go ({facts['threads']} threads)", facts["mnt_setns"]),
        ("setns(fd, CLONE_NEWUSER) from Go", facts["user_setns"]),
        ("nsenter --mount (single-threaded C), same target", facts["nsenter_mnt"]),
    ]
    df = pd.DataFrame(rows, columns=["step", "result"])
    df["result"] = df["result"].astype(str)
    df.attrs.update(facts=facts, output=out.transcript)
    return df
