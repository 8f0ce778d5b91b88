# evade-procfs-rule: decode_mask reaches sigcamp.procfs by a name the rule cannot read, then by the
# compiled module in __pycache__, then by reading its source from the repository's path; in the
# checks' sandbox none of them is there.
# Base: solution
# Expect: zero
# Some reason: is not available to your code here
import importlib
import sys


def decode_mask(mask):
    base = "sigcamp." + "proc" + "fs"
    try:
        return set(importlib.import_module(base).decode_mask(mask))
    except ImportError as first:
        sys.modules.pop(base, None)
        root = "/".join(importlib.util.find_spec("sigcamp").origin.split("/")[:-1]) if importlib.util.find_spec(
            "sigcamp") else None
        for path in ([f"{root}/__pycache__/procfs.cpython-311.pyc"] if root else []):
            try:
                loader = importlib.machinery.SourcelessFileLoader("stolen", path)
                return set(loader.load_module().decode_mask(mask))
            except Exception:
                pass
        raise first
