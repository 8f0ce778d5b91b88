"""The code that collects a submission's answers inside its own kernel.

After the student's cells, one more cell evaluates each answer expression and
prints the results as one line of strict JSON (plain types only: numbers,
strings, lists, dicts, sets as sorted lists, numpy scalars as numbers). Objects
of any other type are refused, so an answer cannot be an object whose
comparisons lie.
"""

import json

MARKER = "SIGCAMP-ANSWERS "

_CELL = r'''
def __sigcamp_collect(exprs, ns):
    import math
    def enc(v, depth=0):
        if depth > 20:
            raise TypeError("nested too deeply")
        t = type(v)
        if getattr(t, "__module__", "") == "numpy" and hasattr(v, "item"):
            v = v.item()
            t = type(v)
        if v is None:
            return "null"
        if t is bool:
            return "true" if v else "false"
        if t is int:
            return int.__repr__(v)
        if t is float:
            if not math.isfinite(v):
                raise TypeError("not a finite number")
            return float.__repr__(v)
        if t is str:
            out = ['"']
            for ch in v:
                o = ord(ch)
                out.append('\\"' if ch == '"' else '\\\\' if ch == '\\' else
                           ch if 32 <= o < 127 else '\\u%04x' % o if o < 0x10000 else
                           '\\u%04x\\u%04x' % (0xD800 + ((o - 0x10000) >> 10), 0xDC00 + ((o - 0x10000) & 0x3FF)))
            out.append('"')
            return "".join(out)
        if t is list or t is tuple:
            return "[" + ",".join(enc(x, depth + 1) for x in v) + "]"
        if t is set or t is frozenset:
            return "[" + ",".join(sorted(enc(x, depth + 1) for x in v)) + "]"
        if t is dict:
            parts = []
            for k, x in v.items():
                if type(k) is not str:
                    raise TypeError("dict keys must be strings")
                parts.append(enc(k) + ":" + enc(x, depth + 1))
            return "{" + ",".join(parts) + "}"
        raise TypeError("an answer must be made of numbers, strings, lists, sets and dicts, not " + t.__name__)
    items = []
    for name, expr in exprs:
        try:
            items.append(enc(name) + ':{"value":' + enc(eval(expr, ns)) + "}")
        except BaseException as e:
            items.append(enc(name) + ':{"error":' + enc((type(e).__name__ + ": " + str(e))[:300]) + "}")
    return "{" + ",".join(items) + "}"
print(MARKER_TEXT + __sigcamp_collect(EXPRS, get_ipython().user_ns), flush=True)
del __sigcamp_collect
'''


def cell_source(harvest):
    """The source of the harvest cell for {answer name: expression}."""
    exprs = sorted(harvest.items())
    return _CELL.replace("MARKER_TEXT", repr(MARKER)).replace("EXPRS", repr(exprs))


def parse_outputs(outputs):
    """The JSON text printed by the harvest cell, from its outputs; None when absent."""
    for out in outputs or []:
        if out.get("output_type") != "stream":
            continue
        for line in str(out.get("text", "")).splitlines():
            if line.startswith(MARKER):
                text = line[len(MARKER):]
                try:
                    json.loads(text)
                except ValueError:
                    continue
                return text
    return None
