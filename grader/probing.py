"""Running a check's experiment (a function of grader.probes) in a fresh sandbox of its own.

The experiment sees the submission's files read-only at /job, and a build directory
the notebook never wrote (see grader.jobs); a lab's FORBIDDEN modules are replaced by
stubs that refuse to import. Its answer is one JSON line on its stdout, which nothing
of the student's can reach (the probe runs non-dumpable, see grader.undumpable).
"""

import json
import threading

from . import jobs, messages


class ProbeFailed(Exception):
    """The experiment gave no answer (a grader fault, or the student's code stopped the probe)."""


class Probes:
    """Lets a check run a trusted experiment on the student's work; counts the time they take."""

    def __init__(self, job, sandbox, settings):
        self.job, self.sandbox, self.settings = job, sandbox, settings
        self.seconds = 0.0          # wall time of the probes' sandboxes
        self.program_seconds = 0.0  # of which the experiments themselves (the probe's own clock)
        self._lock = threading.Lock()

    def __call__(self, name, *, wall=180, **kwargs):
        job, settings = self.job, self.settings
        with self._lock:
            if not (job / "probe-build").exists():
                jobs.seed_build(job / "probe-build", settings, self.sandbox, go=jobs.builds_go(job / "work"),
                                locked=True)
        forbidden = settings["forbidden"]
        if self.sandbox.enabled:
            where, env = "/job", jobs.inside_env()
            ro = {job / "work": "/job", **jobs.stubs(job, forbidden)}
            binds = {job / "probe-build": "/build"}
        else:
            where, env, ro, binds = job / "work", jobs.outside_env(job / "probe-build"), {}, {}
        run = self.sandbox.run(jobs.python("grader.probe"), binds=binds, ro_binds=ro, chdir=where, env=env,
                               tmpfs=jobs.stub_caches(forbidden) if self.sandbox.enabled else (),
                               stdin=json.dumps({"name": name, "kwargs": kwargs}).encode(), wall=wall)
        self.seconds += run.seconds
        if run.timed_out:
            raise ProbeFailed(f"the experiment {name} did not finish within {wall} s")
        lines = run.stdout.decode(errors="replace").strip().splitlines()
        if not lines and not run.oom_kills and run.returncode in (-9, 137):
            # SIGKILL from inside the sandbox: only the student's code runs there beside the probe
            raise AssertionError(messages.say("probe_killed"))
        try:
            reply = json.loads(lines[-1])
            if not isinstance(reply, dict):
                raise ValueError
        except (IndexError, ValueError, RecursionError):
            why = "it ran out of memory" if run.oom_kills else jobs.tail(run.stderr, 800)
            raise ProbeFailed(f"the experiment {name} gave no answer: {why}") from None
        self.program_seconds += float(reply.get("seconds") or 0.0)
        if "error" in reply:
            raise ProbeFailed(f"the experiment {name} failed: {str(reply['error'])[:2000]}")
        return reply.get("value")
