"""Chapter 3's figures and diagrams, drawn from the DataFrames its experiments returned.

`mask_map` paints a live program's per-thread masks (blocked, pending, caught)
as a threads × signals grid; `thread_diagram` draws the program's threads as
delve and /proc saw them (Go's Ms, the thread ensureSigM locked, a thread in a
cgo call, threads C created) and, when given delve's stops, the way a signal
went between them.
"""

import re
import textwrap
import unicodedata

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from .. import diagrams, i18n, procfs
from ..figures import figure
from ..i18n import N_, _
from .threads import C_CREATED, IDLE_M

# cell states of the mask map, in colour order
STATES = ((N_("no handler, not blocked"), "#f2f2f2"), (N_("a handler is installed, not blocked"), "#bfe3c0"),
          (N_("blocked"), "#37474f"))
PENDING = (N_("pending"), "#ff8f00")

# The titles chapter 3 gives its pictures (filled in by the notebook, translated whole when drawn).
TITLES = (i18n.pattern(N_("{sample}: masks after tgkill(SIGINT) at the waiting thread")),
          i18n.pattern(N_("{sample}: its threads, and who can take a SIGINT")),
          i18n.pattern(N_("{sample}: masks after kill -USR1")),
          i18n.pattern(N_("{sample}: tgkill(SIGINT) at the thread C created")))


def _short(name):
    return name[3:] if name.startswith("SIG") else name


def _columns(text):
    """How wide text is on screen: a CJK character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text, columns):
    """text cut to at most `columns` screen columns, with an ellipsis when cut."""
    if _columns(text) <= columns:
        return text
    while _columns(text) > columns - 1:
        text = text[:-1]
    return text + "…"


_CJK = r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]"
_TOKEN = re.compile(rf"{_CJK}|\(?[^\s(\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|\s+")  # a line may break before "("
_NO_LINE_START = set("，。、；：）」』！？,.;:)")
_NO_LINE_END = set("（「『“")


def _wrap(text, width=34):
    """text as lines of at most `width` screen columns: broken at spaces, before "(" and between CJK
    characters (never before closing punctuation, never after opening punctuation); text without CJK as
    textwrap breaks it."""
    if not re.search(_CJK, text):
        return textwrap.wrap(text, width) or [""]
    lines, line = [], ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        if line and _columns(line + token) > width and token[0] not in _NO_LINE_START:
            carried = line[-1] if line[-1] in _NO_LINE_END else ""  # an opening bracket goes with what it opens
            if line[:len(line) - len(carried)].strip():
                lines.append(line[:len(line) - len(carried)].rstrip())
                line = carried
        line += token
    return [l for l in lines + [line.rstrip()] if l] or [""]


def _row_label(r, roles):
    role = i18n.value(roles.get(r.tid, "")) if roles else ""
    role = _clip(role, 44)
    return f"TID {r.tid}" + (f"  {role}" if role else "")


@figure
def mask_map(thread_masks, *, title, roles=None, mark=()):
    """Threads × signals: blocked, caught or neither per cell, pending ones marked; a top row for the
    process-wide pending set (ShdPnd).

    thread_masks: thread_roles() (its roles become the row labels), masks.settled_masks() or
    procfs.thread_masks(); roles: {tid: role text} for the latter two;
    mark: signal names whose columns get a frame (the ones the text talks about).
    """
    if "blocked_set" in thread_masks.columns:
        roles = roles or dict(zip(thread_masks["tid"], thread_masks["role"]))
        thread_masks = thread_masks.drop(columns=["blocked", "pending"]).rename(columns={f"{k}_set": k for k in ("blocked", "pending", "shared_pending",
                                                                            "caught")})
    signals = [procfs.name(n) for n in range(1, procfs.NSIG + 1)]
    rows = list(thread_masks.itertuples())
    grid = np.zeros((len(rows) + 1, len(signals)), dtype=int)
    pending = []
    shared = rows[0].shared_pending if rows else frozenset()
    for j, sig in enumerate(signals):
        grid[0, j] = 0
        if sig in shared:
            pending.append((0, j))
    for i, r in enumerate(rows, 1):
        for j, sig in enumerate(signals):
            grid[i, j] = 2 if sig in r.blocked else 1 if sig in r.caught else 0
            if sig in r.pending:
                pending.append((i, j))
    fig, ax = plt.subplots(figsize=(13, 1.6 + 0.34 * len(grid)))
    ax.imshow(grid, cmap=ListedColormap([c for _, c in STATES]), vmin=0, vmax=2, aspect="auto",
              interpolation="nearest")
    for i, j in pending:
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=PENDING[1], edgecolor="black", lw=0.8))
    ax.set_xticks(range(len(signals)), [_short(s) for s in signals], rotation=90, fontsize=7)
    labels = [_("process-wide pending (ShdPnd)")] + [_row_label(r, roles) for r in rows]
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xticks(np.arange(-0.5, len(signals)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(labels)), minor=True)
    ax.grid(which="minor", color="white", lw=0.6)
    ax.tick_params(which="minor", length=0)
    ax.axhline(0.5, color="black", lw=1.2)
    for sig in mark:
        j = signals.index(sig)
        ax.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, len(labels), fill=False, edgecolor="tab:red", lw=1.5))
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(len(labels)), [""] + [_("blocks {n}").format(n=len(r.blocked)) for r in rows], fontsize=8)
    handles = [Patch(facecolor=c, edgecolor="grey", label=_(l)) for l, c in STATES]
    handles.append(Patch(facecolor=PENDING[1], edgecolor="black", label=_(PENDING[0])))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.6 / len(labels)), ncol=4,
              fontsize=8, frameon=False)
    ax.set_title(i18n.value(title), fontsize=11, loc="left")
    fig.tight_layout()
    return fig


_FILL = {"ensureSigM": "#ffe0b2", "cgo call": "#e1d5f5", C_CREATED: "#f8c8d4", "sysmon": "#e0e0e0"}


def _fill(role):
    for key, colour in _FILL.items():
        if key in role:
            return colour
    return "#eef3fb"


def _thread_nodes(sub, rows, alias):
    """One node per thread; idle Ms with the same mask share one node (they do the same: nothing).
    alias gets tid -> the node that stands for it."""
    idle = {}
    for r in rows.itertuples():
        if r.role == IDLE_M:
            idle.setdefault(r.blocks, []).append(r)
            continue
        head = f"TID {r.tid}" if pd.isna(r.m) else f"TID {r.tid} · m{r.m}"
        sub.node(f"t{r.tid}", diagrams.label(head, *_wrap(i18n.value(r.role)), _blocks_text(r.blocked, r.blocks)),
                 fillcolor=_fill(r.role))
    for blocks, group in idle.items():
        tids = ", ".join(str(r.tid) for r in group)
        name = f"t{group[0].tid}"
        sub.node(name, diagrams.label(*_wrap(f"TID {tids}"), i18n.ngettext("idle M", "idle Ms", len(group)),
                                      _blocks_text(group[0].blocked, blocks)), fillcolor=_fill(IDLE_M))
        for r in group[1:]:
            alias[r.tid] = name


def _blocks_text(n, blocks):
    if n == 0:
        return _("blocks nothing")
    if n <= 4:
        return _("blocks {signals}").format(signals=blocks)
    return _("blocks {n} signals").format(n=n)


@figure
def thread_diagram(threads, stops=None, *, title, signal="SIGINT"):
    """The program's threads (roles_of()) and, given c_thread_breakpoints()'s stops, where a signal went.

    Without stops, dashed edges from a process-directed kill(2) reach every
    thread that leaves `signal` unblocked (the kernel picks one of them).
    """
    alias = {}
    node = lambda tid: alias.get(tid, f"t{tid}")  # noqa: E731
    g = diagrams.graph(i18n.value(title), direction="LR")
    g.attr(size="10.5,14")  # inches: scaled down to the page's width when wider
    go_threads = threads[threads["m"].notna()]
    c_threads = threads[threads["m"].isna()]
    with g.subgraph(name="cluster_go") as sub:
        sub.attr(label=_("threads the Go runtime started (an M each)"), style="rounded", color="#90a4ae")
        _thread_nodes(sub, go_threads, alias)
        for m in threads.attrs.get("extra_ms", []):
            sub.node(f"m{m['m']}", diagrams.label(
                _("extra M (m{m})").format(m=m["m"]),
                *_wrap(_("no thread of its own; needm lends it to a C thread that must run Go"))),
                style="rounded,dashed,filled", fillcolor="white")
    if len(c_threads):
        with g.subgraph(name="cluster_c") as sub:
            sub.attr(label=_("threads C created (no M, no g)"), style="rounded", color="#c2185b")
            _thread_nodes(sub, c_threads, alias)
    if stops is None or stops.empty:
        g.node("kill", diagrams.label(f"kill(pid, {signal})",
                                      *_wrap(_("the kernel picks one thread that does not block it"), 30)),
               shape="plaintext", style="", fillcolor="white")
        for r in threads.itertuples():
            if signal not in r.blocked_set and node(r.tid) == f"t{r.tid}":
                g.edge("kill", f"t{r.tid}", style="dashed", color="#78909c")
        target = threads.attrs.get("target")
        if target is not None and threads.attrs.get("signal") == signal:
            aimed = threads[threads["tid"] == target].iloc[0]
            g.node("aim", f"tgkill(TID {target}, {signal})", shape="plaintext", style="", fillcolor="white")
            g.edge("aim", f"t{target}", penwidth="1.6", color="#ff8f00",
                   label=_("pending: the thread blocks it") if signal in aimed.pending_set else _("delivered"))
        return g
    tid = stops.attrs.get("tid")
    g.node("send", f"tgkill(TID {tid}, {signal})", shape="plaintext", style="", fillcolor="white")
    g.edge("send", f"t{tid}", penwidth="1.6")
    extra = {m["running_g"]: m["m"] for m in threads.attrs.get("extra_ms", []) if m["running_g"] is not None}
    previous = f"t{tid}"
    for r in stops.itertuples():
        fn = r.function
        if fn == "runtime.sigsend" and r.goroutine is not None and r.goroutine in extra:
            target = f"m{extra[r.goroutine]}"
            g.edge(previous, target, penwidth="1.6", label=_(
                "{order}. needm,\nthen {function}\n(goroutine {goroutine},\non TID {thread})").format(
                order=r.order, function=fn, goroutine=r.goroutine, thread=r.thread))
            previous = target
        else:
            g.edge(previous, previous, label=_("{order}. {function}\non TID {thread}").format(
                order=r.order, function=fn, thread=r.thread), penwidth="1.6")
    receiver = stops.attrs.get("receiver")
    if receiver is not None and node(receiver) != previous:
        g.edge(previous, node(receiver), label=_("sets a bit in sig.mask,\nwakes os/signal.loop"), style="dashed")
    never = [fn for fn, n in stops.attrs.get("hits", {}).items() if n == 0]
    if never:
        g.node("never", diagrams.label(_("never hit: {functions}").format(functions=", ".join(never))), shape="note",
               fillcolor="#fff8e1")
    return g
