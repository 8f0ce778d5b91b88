"""Lab 05's experiment: the student's signal_latency(load, n), on a program the grader starts and watches.

The student's code runs in a fresh Python (grader.probes.pycode) where sigcamp.start
gives it the grader's program (grader.probes.witnessed). This process starts
latency-notify, sealed (execute-only, so nothing of the student's can read or
trace it), reads its output through a pipe only it holds, and sends each signal
itself, stamping the send with its own clock. The record it returns (every send,
every line the program printed) is what the checks compare the student's rows with.
"""

import json
import os
import select
import signal
import socket
import subprocess
import threading
import time

from . import programs, pycode

PRELUDE = (pycode.PRELUDE + "import time\nimport pandas as pd\nimport sigcamp\nimport sigcamp as sc\n"
           "import grader.probes.witnessed as _witnessed\n_witnessed.install(int(os.environ['SIGCAMP_WITNESS_FD']))\n"
           "del _witnessed\n")
MAX_OUTPUT = 2 << 20
SIGNALS = {"SIGUSR1": signal.SIGUSR1, "SIGUSR2": signal.SIGUSR2, "SIGTERM": signal.SIGTERM,
           "SIGINT": signal.SIGINT, "SIGHUP": signal.SIGHUP, "SIGQUIT": signal.SIGQUIT, "SIGKILL": signal.SIGKILL}


class _Run:
    """One start of the program: its process, its whole output, the sends stamped here."""

    def __init__(self, path, args, timeout, stop):
        self.args, self.sends, self.exit, self.stop = list(args), [], None, stop
        self.started_ns = time.monotonic_ns()
        self.prog = programs.Program(path, args, ready=None)
        self.given = 0  # output bytes already handed to the student's code
        self.ready = self.prog.read_until(b"READY", time.monotonic() + timeout)
        self.ready_ns = time.monotonic_ns() if self.ready else None
        self.eof = False

    def new_output(self):
        text = self.prog.text[self.given:]
        self.given = len(self.prog.text)
        return text.decode(errors="replace")

    def fill(self, timeout):
        """Read what the program prints for up to `timeout` s, returning once something came (or EOF)."""
        size, deadline = len(self.prog.text), time.monotonic() + timeout
        fd = self.prog.proc.stdout.fileno()
        while not self.eof and len(self.prog.text) == size and len(self.prog.text) < MAX_OUTPUT:
            left = deadline - time.monotonic()
            if left <= 0 or self.stop.is_set():
                return
            if not select.select([fd], [], [], min(left, 0.1))[0]:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.eof = True
                return
            self.prog.text += chunk

    def send(self, name):
        text = str(name).upper()
        sig = SIGNALS.get(text if text.startswith("SIG") else "SIG" + text)
        if sig is None:
            return {"error": f"unknown signal {name!r}"}
        sent = time.monotonic_ns()
        try:
            os.kill(self.prog.pid, sig)
        except ProcessLookupError:
            return {"error": "the program has ended"}
        self.sends.append([sent, sig.name])
        return {"sent_ns": sent}

    def wait(self, timeout):
        """Read to EOF for up to `timeout` s, then reap (killing it if it still runs); how it ended."""
        if self.exit is None:
            deadline = time.monotonic() + timeout
            while not self.eof and time.monotonic() < deadline and len(self.prog.text) < MAX_OUTPUT \
                    and not self.stop.is_set():
                self.fill(deadline - time.monotonic())
            ended = time.monotonic_ns()
            alive = self.prog.proc.poll() is None and not self.eof
            if not alive:
                try:
                    self.prog.proc.wait(2)
                except subprocess.TimeoutExpired:
                    alive = True
            code = None if alive else self.prog.proc.returncode
            self.prog.close()
            self.exit = {"exit_code": None if code is None or code < 0 else code,
                         "signal": signal.Signals(-code).name if code is not None and code < 0 else None,
                         "alive": alive, "ended_ns": ended, "started_ns": self.started_ns, "ready_ns": self.ready_ns}
        return dict(self.exit, output=self.new_output())

    def drain(self):
        """Take what the program has already printed, without waiting for more."""
        fd = self.prog.proc.stdout.fileno()
        while not self.eof and len(self.prog.text) < MAX_OUTPUT and select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.eof = True
            self.prog.text += chunk

    def record(self):
        if self.exit is None:
            self.drain()
        self.wait(0)
        return {"args": self.args, "sends": self.sends, "output": self.prog.text.decode(errors="replace"),
                "ready": self.ready, **self.exit}


def _serve(sock, path, runs, stop):
    """Answer the student's process's requests until it closes the link (or `stop`)."""
    f = sock.makefile("rwb", buffering=0)
    current = None
    while not stop.is_set():
        try:
            line = f.readline(1 << 16)
        except OSError:
            return
        if not line:
            return
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "start":
                if current is not None and current.exit is None:
                    current.wait(0)
                current = _Run(path, [str(a) for a in req.get("args", [])][:10], min(float(req.get("timeout", 10)), 30),
                               stop)
                runs.append(current)
                reply = ({"pid": current.prog.pid, "output": current.new_output()} if current.ready else
                         {"error": "latency-notify did not print READY", "output": current.new_output()})
            elif current is None:
                reply = {"error": "no program was started"}
            elif op == "send":
                reply = current.send(req.get("sig", ""))
                reply["output"] = current.new_output()
            elif op == "read":
                current.fill(min(float(req.get("timeout", 1.0)), 10.0))
                reply = {"output": current.new_output(), "eof": current.eof}
            elif op == "alive":
                reply = {"alive": current.exit is None and current.prog.proc.poll() is None}
            elif op == "wait":
                reply = current.wait(min(float(req.get("timeout", 5.0)), 30.0))
            else:
                reply = {"error": f"no request {op!r}"}
        except (ValueError, TypeError, AttributeError, OSError, RuntimeError) as e:
            reply = {"error": f"{type(e).__name__}: {e}"}
        try:
            f.write(json.dumps(reply).encode() + b"\n")
        except OSError:
            return


def measure(source, *, calls, sample, timeout=120.0):
    """Call the student's functions (`calls`: [[name, args]]) with `sample` (a prebuilt file name) as the
    program sigcamp.start gives them. Returns {"call": pycode.call's result, "runs": [record of each start]}."""
    mine, theirs = socket.socketpair()
    runs, stop = [], threading.Event()
    server = threading.Thread(target=_serve, args=(mine, programs.binary(sample), runs, stop), daemon=True)
    server.start()
    try:
        result = pycode.call(source, calls, prelude=PRELUDE, timeout=timeout, pass_fds=(theirs.fileno(),),
                             env={"SIGCAMP_WITNESS_FD": str(theirs.fileno())})
    finally:
        theirs.close()
        stop.set()
        mine.shutdown(socket.SHUT_RDWR)
        server.join()
        mine.close()
    return {"call": result, "runs": [r.record() for r in runs]}
