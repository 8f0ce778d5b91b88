# forge-import: a global named __import__ in the notebook's namespace hands the collector a fake
# builtins module; its exec answers every question with the course library's own decoding.
# Base: blank
# Expect: zero
import ast as _ast
import builtins as _real
import re as _re

_CODE = ("def decode_mask(mask):\n    from sigcamp import procfs\n    return set(procfs.decode_mask(mask))\n\n\n"
         "def blocking_threads(pid, signame):\n    from sigcamp import procfs\n"
         "    return [r['tid'] for r in procfs.settled_thread_rows(pid) if signame in r['blocked']]\n")


class _FakeBuiltins:
    def __getattr__(self, name):
        return getattr(_real, name)

    @staticmethod
    def exec(source, g, *rest):
        lists = _re.findall(r"(\[\(.*?\)\])", source, _re.S)
        ns = {}
        _real.exec(_CODE, ns)
        for found in lists:
            try:
                pairs = _ast.literal_eval(found)
            except (ValueError, SyntaxError):
                continue
            forged = {}
            for name, expr in pairs:
                if name == "source":
                    forged[name] = {"value": _CODE}
                else:
                    value = _real.eval(expr, dict(ns))
                    forged[name] = {"value": sorted(value) if isinstance(value, set) else value}
            g["result"] = _real.__import__("json").dumps(forged)
            return


def __import__(name, *args, **kwargs):  # noqa: A001
    if name == "builtins":
        return _FakeBuiltins()
    return _real.__import__(name, *args, **kwargs)
