"""delve's JSON-RPC on the wire: one TCP connection (`Connection`) and the record of a stop (`Stop`).

Newline-delimited JSON-RPC 1.0 requests, replies matched by id, so a reply to
a request that was given up on (a cancelled `continue`) is skipped.
"""

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field

from .errors import DelveError

_ids = itertools.count(1)


class Connection:
    """One TCP connection to dlv: newline-delimited JSON-RPC 1.0, replies matched by id."""

    def __init__(self, addr, label):
        self.label = label
        self.sock = socket.create_connection(addr, timeout=10)
        self.buf = b""
        self.lock = threading.Lock()

    def call(self, method, params, timeout):
        with self.lock:
            rid = next(_ids)
            msg = {"method": f"RPCServer.{method}", "params": [params], "id": rid}
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                reply = self._read(deadline, method)
                if reply.get("id") == rid:  # an older reply (a cancelled continue) is skipped
                    break
        if reply.get("error"):
            raise DelveError(f"{self.label}: {method} failed: {reply['error']}")
        return reply.get("result") or {}

    def _read(self, deadline, method):
        while b"\n" not in self.buf:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"{self.label}: no reply to {method}")
            self.sock.settimeout(0.25 if left is None else min(0.25, left))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise DelveError(f"{self.label}: dlv closed the connection during {method}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass(frozen=True)
class Stop:
    """Where the program stopped after continue_() or halt()."""

    function: str | None
    file: str | None
    line: int | None
    goroutine: int | None
    thread: int | None
    breakpoint: int | None  # id of the breakpoint hit, None for a halt
    exited: bool = False
    exit_status: int | None = None
    timed_out: bool = False  # continue_ ran out of time and halted the program
    running: bool = False  # only from state(): the program runs on
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_state(cls, state, *, timed_out=False):
        th = state.get("currentThread") or {}
        fn = (th.get("function") or {}).get("name")
        bp = th.get("breakPoint") or {}
        g = state.get("currentGoroutine") or {}
        exited = bool(state.get("exited"))
        return cls(
            function=fn, file=th.get("file"), line=th.get("line"),
            goroutine=g.get("id") or th.get("goroutineID") or None, thread=th.get("id"),
            breakpoint=bp.get("id"), exited=exited,
            exit_status=state.get("exitStatus") if exited else None, timed_out=timed_out,
            running=bool(state.get("Running")), raw=state,
        )
