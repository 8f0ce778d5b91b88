"""Chapter 2's diagram: the path of one signal, drawn from the stops delve recorded.

`path_diagram()` takes what sigpath.stops() returned (trace_sigint, faults.path)
and draws one box per stop, grouped by the thread (and goroutine) it ran on,
with an edge for each hand-over. Nothing in it is typed by hand: functions,
threads, goroutines and the interrupted function all come from the DataFrame.
"""

from . import diagrams
from .figures import figure

HANDOFF = "#c0392b"


def owner(stack):
    """The function a goroutine was started with: the frame below runtime.goexit (None on a signal stack)."""
    frames = list(stack)
    if "runtime.goexit" in frames:
        i = frames.index("runtime.goexit")
        return frames[i - 1] if i > 0 else None
    return None


def lane(row, pid_thread):
    """The (key, label) of the thread and goroutine a stop ran on."""
    thread = int(row["thread"])
    main = " (the main thread)" if thread == pid_thread else ""
    if row["goroutine"] is None or str(row["goroutine"]) == "<NA>":
        return (thread, None), f"thread {thread}{main}: signal stack (no goroutine)"
    started = owner(row["stack"])
    return (thread, int(row["goroutine"])), (f"thread {thread}{main}: goroutine {int(row['goroutine'])}"
                                              + (f" ({started})" if started else ""))


def between(a, b):
    """The frames on b's stack between b's function and the function a stopped in (what ran in between)."""
    stack = list(b["stack"])
    top = a["stack"][0] if len(a["stack"]) else None
    if top not in stack and isinstance(b["interrupted"], str):
        top = b["interrupted"]  # a handler's first stop: what ran between the interrupted code and it
    if top in stack:
        return list(reversed(stack[1: stack.index(top)]))
    return []


@figure
def path_diagram(stops, *, signal="SIGINT", title=None):
    """A Graphviz diagram of the stops of one signal (a sigpath.stops() DataFrame), in the order delve hit them."""
    if stops.empty:
        raise ValueError("no stops to draw: the signal hit none of the breakpoints")
    pid = stops.attrs.get("pid")
    g = diagrams.graph(title or f"The path of one {signal}, as delve stopped on it", direction="TB")
    handler = stops[stops["interrupted"].apply(lambda x: isinstance(x, str))]
    entry = handler.iloc[0] if len(handler) else stops.iloc[0]
    landed = entry["interrupted"] if isinstance(entry["interrupted"], str) else "?"
    values = {k: v for row in stops["values"] if isinstance(row, dict) for k, v in row.items()}
    g.node("kernel", diagrams.label(f"the kernel delivers {signal}", f"to thread {int(stops.iloc[0]['thread'])}",
                                    f"which was in {landed}", *(f"{k} = {v}" for k, v in values.items())),
           shape="box", style="filled", fillcolor="#fdebd0")
    lanes = {}
    for i, row in stops.iterrows():
        key, text = lane(row, pid)
        lanes.setdefault(key, (text, []))[1].append(i)
    for n, (key, (text, rows)) in enumerate(lanes.items()):
        with g.subgraph(name=f"cluster_{n}") as c:
            c.attr(label=text, style="rounded,dashed", color="#7f8c8d", fontsize="11", labeljust="l")
            for i in rows:
                row = stops.loc[i]
                c.node(f"s{i}", diagrams.label(f"{row['order']}. {row['function']}", row["at"]))
    g.edge("kernel", f"s{stops.index[0]}")
    for (a, ra), (b, rb) in zip(stops.iterrows(), list(stops.iterrows())[1:]):
        if int(ra["thread"]) == int(rb["thread"]):
            g.edge(f"s{a}", f"s{b}", label=("via " + " → ".join(between(ra, rb))) if between(ra, rb) else "")
        else:
            g.edge(f"s{a}", f"s{b}", label=f"thread {int(rb['thread'])} runs next", color=HANDOFF,
                   fontcolor=HANDOFF, style="bold")
    return g
