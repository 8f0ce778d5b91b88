"""Runs inside the sandbox: execute one notebook, collect its code, write the result.

    python -I -m grader.runner < spec.json

spec: notebook, out (a directory), key (hex), functions, cell_timeout, max_output, contained.
After the student's cells it asks the kernel for their code (grader.harvest),
then, when `contained` (inside the sandbox, as the slot's UID), kills every
process the notebook left, so nothing of the student's is alive while it writes
out/executed.ipynb and out/result.json. result.json is signed with an HMAC of
the key, which only this process and the grader know: the process is made
non-dumpable first, so the kernel's code cannot read its memory.
"""

import ctypes
import hashlib
import hmac
import json
import os
import signal
import sys
import time

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

from grader import reported  # noqa: E402 (the texts it reports; it imports nothing)

PR_SET_DUMPABLE = 4


def main():
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    spec = json.loads(sys.stdin.read(1 << 20))
    result = {"cell_errors": [], "kernel_died": None, "timed_out_cells": [], "code": None, "code_error": None,
              "cells_by_count": {}, "notebook_error": None, "executed_sha256": None}
    import asyncio
    nb = asyncio.run(_run(spec, result))
    _finish(spec, result, nb)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # an interpreter's orderly exit takes ~0.15 s more, for nothing


async def _run(spec, result):
    """Start the kernel first, and read the notebook and import nbclient while it boots (a kernel takes
    ~0.6 s to start, those imports ~0.3 s); then the cells. Returns the executed notebook, or None."""
    km = await _start_kernel(spec)
    try:
        nb = _read(spec["notebook"])
    except ValueError as e:
        result["notebook_error"] = str(e)
        _kill(km)
        _kill_leftovers(spec)
        return None
    client = _client(nb, spec, km)
    try:
        await _execute(client, spec, result)
    except Exception as e:  # the kernel is gone, or its messages cannot be read
        result["kernel_died"] = _lost(e)
        _kill(km)
    # cells are numbered as JupyterLab numbers them: from 1, counting every cell
    for i, cell in enumerate(nb.cells, 1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                result["cell_errors"].append({"cell": i, "ename": str(out.get("ename"))[:100],
                                              "evalue": str(out.get("evalue"))[:500]})
    result["timed_out_cells"] = [i for i, c in enumerate(nb.cells, 1) if any(c is t for t in client.timed_out)]
    result["cells_by_count"] = client.cells_by_count
    return nb


async def _start_kernel(spec):
    """A `sigcamp` kernel over ipc, started in the notebook's directory; its manager."""
    from jupyter_client.manager import AsyncKernelManager
    km = AsyncKernelManager(kernel_name="sigcamp", transport="ipc")
    await km.start_kernel(cwd=os.path.dirname(spec["notebook"]),
                          extra_arguments=["--HistoryManager.hist_file=:memory:"])
    return km


async def _execute(client, spec, result):
    """The student's cells, then their code, with the kernel still up; then the kernel goes."""
    from . import harvest
    client.reset_execution_trackers()
    async with client.async_setup_kernel():
        for index, cell in enumerate(client.nb.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        client.set_widgets_metadata()
        reply = await _ask(client, {"code": harvest.expression(spec["functions"])}, spec["cell_timeout"])
        result["code"], result["code_error"] = harvest.parse_reply(reply)
        _kill(client.km)
        _kill_leftovers(spec)


async def _ask(client, expressions, timeout):
    """A silent execute request carrying user_expressions; the reply's content, or None.

    The kernel is interrupted once `timeout` s have passed, so a request that
    loops becomes an error; after twice `timeout` s it is given up.
    """
    from queue import Empty

    from nbclient.util import ensure_async
    msg_id = client.kc.execute("", silent=True, store_history=False, user_expressions=expressions,
                               allow_stdin=False)
    start, interrupted = time.monotonic(), False
    while time.monotonic() - start < 2 * timeout:
        try:
            msg = await ensure_async(client.kc.shell_channel.get_msg(timeout=1.0))
        except Empty:
            if not await ensure_async(client.km.is_alive()):
                raise RuntimeError(reported.KERNEL_DIED_COLLECTING) from None
            if not interrupted and time.monotonic() - start > timeout:
                await ensure_async(client.km.interrupt_kernel())
                interrupted = True
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg.get("content")
    return None


def _lost(error):
    """Why the kernel stopped answering, in words for the student."""
    from nbclient.exceptions import DeadKernelError
    text = f"{type(error).__name__}: {str(error)[:300]}"
    if isinstance(error, DeadKernelError) or "kernel died" in str(error).lower():
        return reported.KERNEL_DIED.format(error=text)
    return reported.MESSAGES_BROKE.format(error=text)


def _kill(km):
    """SIGKILL the kernel's process group and reap it (nothing of it is needed once the code is in)."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    try:
        process.wait(timeout=5)
    except Exception:
        pass


def _kill_leftovers(spec):
    """Inside the sandbox only: SIGKILL every other process of this UID (the kernel, daemons)."""
    if not spec.get("contained") or os.getuid() == 0:
        return
    for _ in range(200):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not _others():
            return
        time.sleep(0.005)


def _others():
    """Live processes of this UID besides this one (the sandbox shows only its own)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                if not fields["State"].strip().startswith("Z") and int(fields["Uid"].split()[0]) == os.getuid():
                    found.append(int(name))
            except (OSError, KeyError, ValueError):
                pass
    return found


def _finish(spec, result, nb):
    """Kill what is left, write executed.ipynb, then the signed result.json (both replaced atomically)."""
    _kill_leftovers(spec)
    out = spec["out"]
    try:
        os.chmod(out, 0o700)
    except OSError:
        pass
    if nb is not None:
        import nbformat
        try:
            data = nbformat.writes(nb).encode()
        except Exception as e:  # outputs nbformat will not write: keep the result, drop the notebook
            result.setdefault("executed_error", f"{type(e).__name__}: {str(e)[:200]}")
        else:
            _replace(out, "executed.ipynb", data)
            result["executed_sha256"] = hashlib.sha256(data).hexdigest()
    body = json.dumps(result, sort_keys=True).encode()
    mac = hmac.new(bytes.fromhex(spec["key"]), body, hashlib.sha256).hexdigest()
    _replace(out, "result.json", mac.encode() + b"\n" + body)


def _replace(directory, name, data):
    """Write `data` to directory/name through a fresh file (no following links, no FIFOs), then rename."""
    import shutil
    target = os.path.join(directory, name)
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target, ignore_errors=True)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{time.monotonic_ns()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)


def _read(path):
    import nbformat
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise ValueError(reported.INVALID.format(why=f"{type(e).__name__}: {first[:200]}")) from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError(reported.NO_CELLS)
    try:
        nbformat.validate(nb)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(reported.INVALID.format(why=first[:200])) from None
    return nb


def _client(nb, spec, km):
    from nbclient import NotebookClient
    from nbformat.v4 import new_output

    class LimitedClient(NotebookClient):
        """Caps each cell's output, and records the cells that timed out."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.timed_out, self.sizes, self.cells_by_count = [], {}, {}
            self.on_cell_executed = self._count

        def _count(self, cell, cell_index, execute_reply):
            """Which cell (numbered from 1) the kernel ran as In[n]: where a function was defined."""
            count = ((execute_reply or {}).get("content") or {}).get("execution_count")
            if isinstance(count, int):
                self.cells_by_count[count] = cell_index + 1

        def output(self, outs, msg, display_id, cell_index):
            size = self.sizes.get(cell_index, 0)
            if size > spec["max_output"]:
                return None
            self.sizes[cell_index] = size + len(json.dumps(msg.get("content")))
            if self.sizes[cell_index] > spec["max_output"]:
                outs.append(new_output("stream", name="stderr",
                                       text=f"[output over {spec['max_output']} bytes, cut by the grader]\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

        def clear_output(self, outs, msg, cell_index):
            self.sizes[cell_index] = 0
            return super().clear_output(outs, msg, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            if cell is not None and not any(c is cell for c in self.timed_out):
                self.timed_out.append(cell)
            return await super()._async_handle_timeout(timeout, cell)

    return LimitedClient(nb, km=km, timeout=spec["cell_timeout"], allow_errors=True, interrupt_on_timeout=True,
                         kernel_name="sigcamp", shutdown_kernel="immediate",
                         resources={"metadata": {"path": os.path.dirname(spec["notebook"])}})


if __name__ == "__main__":
    main()
