"""Runs inside the sandbox: execute one notebook, harvest its answers, write the result.

    python -m grader.runner < spec.json

spec: notebook, out (a directory), nonce, harvest, cell_timeout, max_output.
It writes out/executed.ipynb and out/result.json (with the nonce, so a result
the student's code wrote itself is recognised as forged). The process makes
itself non-dumpable first, so the kernel's code cannot read its memory.
"""

import ctypes
import json
import os
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

PR_SET_DUMPABLE = 4


def main():
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    spec = json.loads(sys.stdin.read(1 << 20))
    from . import harvest
    result = {"nonce": spec["nonce"], "cell_errors": [], "kernel_died": None, "timed_out_cells": [],
              "answers": None, "notebook_error": None}
    try:
        nb = _read(spec["notebook"])
    except ValueError as e:
        result["notebook_error"] = str(e)
        _write_result(spec["out"], result)
        return
    n_student = len(nb.cells)
    import nbformat
    nb.cells.append(nbformat.v4.new_code_cell(harvest.cell_source(spec["harvest"])))
    client = _client(nb, spec)
    try:
        client.execute()
    except Exception as e:  # DeadKernelError and the like: the kernel is gone
        result["kernel_died"] = f"{type(e).__name__}: {str(e)[:300]}"
    for i, cell in enumerate(nb.cells[:n_student]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                result["cell_errors"].append({"cell": i, "ename": str(out.get("ename"))[:100],
                                              "evalue": str(out.get("evalue"))[:500]})
    result["timed_out_cells"] = client.timed_out
    result["answers"] = harvest.parse_outputs(nb.cells[-1].get("outputs"))
    nb.cells = nb.cells[:n_student]
    nbformat.write(nb, os.path.join(spec["out"], "executed.ipynb"))
    _write_result(spec["out"], result)


def _read(path):
    import nbformat
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        raise ValueError(f"not a readable notebook ({type(e).__name__}: {str(e)[:200]})") from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook: it has no list of cells")
    return nb


def _client(nb, spec):
    from nbclient import NotebookClient
    from traitlets.config import Config

    class LimitedClient(NotebookClient):
        """Caps each cell's output, and records the cells that timed out."""

        timed_out = []

        def output(self, outs, msg, display_id, cell_index):
            size = sum(len(json.dumps(o)) for o in outs)
            if size > spec["max_output"]:
                if not any(o.get("name") == "grader" for o in outs):
                    outs.append(nbformat_stream(f"[output over {spec['max_output']} bytes, cut by the grader]\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            self.timed_out.append(cell.get("id") if cell is not None else None)
            return await super()._async_handle_timeout(timeout, cell)

    def nbformat_stream(text):
        from nbformat.v4 import new_output
        out = new_output("stream", name="stderr", text=text)
        out["name"] = "stderr"
        return out

    config = Config()
    config.KernelManager.transport = "ipc"
    return LimitedClient(nb, timeout=spec["cell_timeout"], allow_errors=True, interrupt_on_timeout=True,
                         kernel_name="sigcamp", config=config, shutdown_kernel="immediate",
                         resources={"metadata": {"path": os.path.dirname(spec["notebook"])}})


def _write_result(out, result):
    tmp = os.path.join(out, ".result.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, os.path.join(out, "result.json"))


if __name__ == "__main__":
    main()
