"""The code that collects a submission's answers inside its own kernel.

After the student's cells, the runner sends one silent execute request whose
`user_expressions` evaluate each answer and encode the results as strict JSON
(plain types only: numbers, strings, lists, dicts, sets as sorted lists, numpy
scalars as numbers). Objects of any other type are refused, so an answer cannot
be an object whose comparisons lie. The request runs no cell: IPython's input
transformers, cell hooks, history, display hook and sys.stdout play no part,
and the encoder runs with its own globals, so names the notebook shadowed or
replaced there (print, type, json...) do not change it.
"""

import json

from . import pyast

MAX_ANSWER = 200_000  # characters of JSON per answer

_SOURCE = r'''
T = (0).__class__.__class__  # the real `type`, whatever the notebook did to builtins
ns = __import__("sys")._getframe(1).f_globals  # the notebook's namespace (the caller's globals)


def encode(v, budget, depth=0):
    if depth > 20:
        raise TypeError("nested too deeply")
    t = T(v)
    if getattr(t, "__module__", "") == "numpy" and hasattr(v, "item"):
        v = v.item()
        t = T(v)
    if v is None:
        out = "null"
    elif t is T(True):
        out = "true" if v is True else "false"
    elif t is T(0):
        out = T(0).__repr__(v)
    elif t is T(0.0):
        if v != v or v - v != 0.0:
            raise TypeError("not a finite number")
        out = T(0.0).__repr__(v)
    elif t is T(""):
        parts = ['"']
        for ch in v:
            o = ord(ch)
            parts.append('\\"' if ch == '"' else '\\\\' if ch == '\\' else
                         ch if 32 <= o < 127 else '\\u%04x' % o if o < 0x10000 else
                         '\\u%04x\\u%04x' % (0xD800 + ((o - 0x10000) >> 10), 0xDC00 + ((o - 0x10000) & 0x3FF)))
        parts.append('"')
        out = "".join(parts)
    elif t is T([]) or t is T(()):
        out = "[" + ",".join(encode(x, budget, depth + 1) for x in v) + "]"
    elif t is T(set()) or t is T(frozenset()):
        out = "[" + ",".join(sorted(encode(x, budget, depth + 1) for x in v)) + "]"
    elif t is T({}):
        items = []
        for k, x in v.items():
            if T(k) is not T(""):
                raise TypeError("dict keys must be strings")
            items.append(encode(k, budget) + ":" + encode(x, budget, depth + 1))
        out = "{" + ",".join(items) + "}"
    else:
        raise TypeError("an answer must be made of numbers, strings, lists, sets and dicts, not " + t.__name__)
    budget[0] -= len(out)
    if budget[0] < 0:
        raise TypeError("the answer is over LIMIT characters of JSON")
    return out


items = []
for name, expr in EXPRS:
    try:
        items.append(encode(name, [LIMIT]) + ':{"value":' + encode(eval(expr, ns), [LIMIT]) + "}")
    except BaseException as e:
        items.append(encode(name, [LIMIT]) + ':{"error":' + encode((T(e).__name__ + ": " + str(e))[:300], [LIMIT]) + "}")
result = "{" + ",".join(items) + "}"
'''


def expression(harvest):
    """The user_expressions entry that evaluates {answer name: expression} to one JSON text."""
    source = _SOURCE.replace("LIMIT", str(MAX_ANSWER)).replace("EXPRS", repr(sorted(harvest.items())))
    # The only name looked up in the notebook's namespace is __import__; the rest runs with its own globals.
    return (f"(lambda b, g: b.exec({source!r}, g) or g['result'])"
            "(__import__('builtins'), {'__builtins__': __import__('builtins')})")


def parse_reply(reply):
    """The answers' JSON text from the execute_reply content; (text, None) or (None, why not)."""
    if not isinstance(reply, dict):
        return None, "the kernel sent no reply to the request for the answers"
    if reply.get("status") != "ok":
        return None, f"the kernel could not evaluate the answers ({str(reply.get('ename'))[:100]})"
    item = (reply.get("user_expressions") or {}).get("answers")
    if not isinstance(item, dict):
        return None, "the kernel returned no answers"
    if item.get("status") != "ok":
        return None, f"the answers could not be computed ({str(item.get('ename'))[:100]}: {str(item.get('evalue'))[:300]})"
    text = (item.get("data") or {}).get("text/plain")
    try:
        text = pyast.literal_eval(text) if isinstance(text, str) and len(text) < 64 * MAX_ANSWER else None
        json.loads(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, "the answers came back garbled (did the notebook change IPython's display formatters?)"
    return text, None
