"""The words chapter 1 shows a reader: column headers and phrases, in one place.

Values that code compares (how a run ended: "exit 130", "killed by SIGINT",
"survived", as sigcamp.Outcome.how gives them) stay as they are; only what is
displayed is named here, so a translation touches this file alone.
"""

# a run's and a scenario's columns
SCENARIO = "scenario"
SAMPLE = "sample"
SETTING = "setting"
RUNS = "runs"
ENDED = "ended"
SHELL = "shell shows"
LATENCY_OF = "latency of"
LATENCY_MS = "latency (ms)"
TRANSCRIPT = "what it printed"
P10, P50, P90, MAX = "p10 (ms)", "median (ms)", "p90 (ms)", "max (ms)"

RECEIVED = "Ctrl+C → Go code receives"
GONE = "Ctrl+C → process gone"
STILL_RUNNING = "(still running)"
DEFAULT = "default"

LAUNCHES = {"setsid": "setsid ./prog", "background": "sh -c './prog &'", "nohup": "nohup ./prog"}


def ended_in(counts):
    """'exit 130' when every run ended alike, else 'exit 130 (19), survived (1)'."""
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{how} ({n})" for how, n in counts.items())


def runs_of(k, n):
    """'3 of 5 runs'."""
    return f"{k} of {n} run{'s' if n != 1 else ''}"
