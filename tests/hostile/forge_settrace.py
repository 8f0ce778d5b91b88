# forge-settrace: a trace function rewrites what the collector evaluates, line by line, so that
# every answer comes from the course library instead of the notebook's (blank) functions.
# Base: blank
# Expect: zero
import sys

CODE = ("def decode_mask(mask):\n    from sigcamp import procfs\n    return set(procfs.decode_mask(mask))\n\n\n"
        "def blocking_threads(pid, signame):\n    from sigcamp import procfs\n"
        "    return [r['tid'] for r in procfs.settled_thread_rows(pid) if signame in r['blocked']]\n")
exec(CODE)


def tracer(frame, event, arg):
    g = frame.f_globals
    if event == "line" and isinstance(g.get("expr"), str) and "decode_mask(" in g["expr"] \
            and "procfs" not in g["expr"]:
        g["expr"] = g["expr"].replace("decode_mask(", "__import__('sigcamp').procfs.decode_mask(")
    if event == "line" and g.get("name") == "source" and isinstance(g.get("expr"), str):
        g["expr"] = repr(CODE)
    return tracer


sys.settrace(tracer)
