"""Inside the Python that runs a student's lab 05 code: `sigcamp.start("latency-notify")` as the grader's.

install(fd) makes sigcamp.start (and sigcamp.session.start) hand out a WitnessedProgram:
the grader's probe starts the program, holds its output and sends its signals,
stamping each send with its own clock just before kill(2), exactly as
sigcamp's Running.send does. The student's code sees the same interface and the
same output; the probe keeps a record that this process cannot change.
"""

import json
import re
import socket
import time

import sigcamp
from sigcamp import session

PROGRAM = "latency-notify"


class WitnessedProgram:
    """The grader's run of latency-notify, driven from here (the subset of sigcamp.Running a lab needs)."""

    def __init__(self, link, args, timeout):
        self.link, self.timeout = link, timeout
        self.sent_ns, self.outcome, self._output, self._seen = None, None, "", 0
        reply = self.link.ask({"op": "start", "args": list(args), "timeout": timeout})
        if "error" in reply:
            raise sigcamp.NotReady(reply["error"], reply.get("output", ""))
        self.pid = reply["pid"]
        self._output += reply.get("output", "")
        self._seen = len(self._output)

    def send(self, signame):
        """kill(2) the program with a signal given by name; the grader stamps sent_ns just before."""
        reply = self.link.ask({"op": "send", "sig": str(signame)})
        if "error" in reply:
            raise ValueError(reply["error"])
        self.sent_ns = reply["sent_ns"]
        self._output += reply.get("output", "")

    def ctrl_c(self):
        raise RuntimeError("this program has no terminal here: send it signals with prog.send(...)")

    def expect(self, pattern, timeout=None):
        """Wait for a regular expression in the output after the last match; returns the matched text."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        regex = re.compile(pattern)
        while True:
            m = regex.search(self._output, self._seen)
            if m:
                self._seen = m.end()
                return m.group(0)
            left = deadline - time.monotonic()
            if left <= 0:
                raise sigcamp.NotReady(f"{PROGRAM} did not print /{pattern}/ in time; output:\n{self.output}")
            reply = self.link.ask({"op": "read", "timeout": min(left, 5.0)})
            self._output += reply.get("output", "")
            if reply.get("eof") and not regex.search(self._output, self._seen):
                raise sigcamp.NotReady(f"{PROGRAM} ended before printing /{pattern}/; output:\n{self.output}")

    def pause(self, seconds):
        time.sleep(seconds)

    @property
    def output(self):
        return self.outcome.output if self.outcome else self._output

    def alive(self):
        return self.outcome is None and self.link.ask({"op": "alive"}).get("alive", False)

    def wait(self, timeout=5.0):
        """Wait for the program to end; after `timeout` s the grader kills it. Returns an Outcome."""
        if self.outcome is None:
            r = self.link.ask({"op": "wait", "timeout": timeout})
            self._output += r.get("output", "")
            self.outcome = session.Outcome(
                exit_code=r.get("exit_code"), signal=r.get("signal"), output=self._output, alive=r.get("alive", False),
                started_ns=r.get("started_ns", 0), ready_ns=r.get("ready_ns"), sent_ns=self.sent_ns,
                ended_ns=r.get("ended_ns", 0), stamps=session.parse_stamps(self._output))
        return self.outcome

    def close(self):
        if self.outcome is None:
            self.wait(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Link:
    """Requests to the grader's probe over an inherited socket, one JSON line each way."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.file = self.sock.makefile("rwb", buffering=0)

    def ask(self, request):
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        line = self.file.readline()
        if not line:
            raise RuntimeError("the grader's probe closed the program's link")
        return json.loads(line)


def install(fd):
    """Make sigcamp.start give the grader's program (and refuse any other)."""
    link = _Link(fd)

    def start(program, *, env=None, args=(), ready="READY", timeout=10, launch=None):
        if str(program).rsplit("/", 1)[-1].split("-")[0:2] != PROGRAM.split("-"):
            raise RuntimeError(f"here, sigcamp.start runs only {PROGRAM} (the program the grader watches), "
                               f"not {program!r}")
        return WitnessedProgram(link, args or ("-load", "churn"), timeout)

    sigcamp.start = session.start = start
