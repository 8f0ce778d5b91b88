"""Holding a sample to its header: run it as the header says, list what differs.

The test suite runs this for every sample, so a sample's header is a promise
about its behaviour on this machine, not a comment that can drift.
"""

from . import samples, session


def run_as_declared(name, *, env=None, launch=None, wait=None, timeout=10):
    """Start the sample, perform its Send: steps, wait its Wait: seconds; return the Outcome.

    env, launch and wait override the header's for one run.
    """
    sample = samples.find(name)
    with session.start(sample.name, env=env, launch=launch, ready=sample.ready, timeout=timeout) as running:
        perform(running, sample.send)
        return running.wait(sample.wait if wait is None else wait)


def perform(running, steps):
    """Carry out a header's Send: steps on a running program: wait for each one's text, then type Ctrl+C on
    its terminal or send the signal."""
    for step in steps:
        if step.after:
            running.expect(step.after)
        if step.what == "ctrl-c":
            running.ctrl_c()
        else:
            running.send(step.what)


def mismatches(name, outcome):
    """What in `outcome` contradicts the sample's header, as sentences (empty: it conforms)."""
    sample = samples.find(name)
    code, sig, survives = sample.expected_exit()
    problems = []
    if survives and not outcome.alive:
        problems.append(f"expected it to survive {sample.wait} s, but it ended: {outcome.how}")
    if not survives:
        if outcome.alive:
            problems.append(f"expected Exit: {sample.exit}, but it was still running after {sample.wait} s")
        elif sig and outcome.signal != sig:
            problems.append(f"expected to be killed by {sig}, got {outcome.how}")
        elif code is not None and (outcome.signal or outcome.exit_code != code):
            problems.append(f"expected exit status {code}, got {outcome.how}")
    for text in sample.output_contains:
        if text not in outcome.output:
            problems.append(f"output lacks {text!r}")
    for text in sample.output_lacks:
        if text in outcome.output:
            problems.append(f"output contains {text!r}, which the header says must not appear")
    return problems


def check(name, *, timeout=10):
    """Run the sample as declared; return (outcome, mismatches)."""
    outcome = run_as_declared(name, timeout=timeout)
    return outcome, mismatches(name, outcome)
