"""The words chapter 1 shows a reader: column headers and phrases, in one place.

Values that code compares (how a run ended: "exit 130", "killed by SIGINT",
"survived", as sigcamp.Outcome.how gives them) stay as they are; only what is
displayed is named here, marked for translation (sigcamp.i18n): `show()` puts
column names and these phrases in the reader's language.
"""

from .. import i18n
from ..i18n import N_

# a run's and a scenario's columns
SCENARIO = N_("scenario")
SAMPLE = N_("sample")
SETTING = N_("setting")
RUNS = N_("runs")
ENDED = N_("ended")
SHELL = N_("shell shows")
LATENCY_OF = N_("latency of")
LATENCY_MS = N_("latency (ms)")
TRANSCRIPT = N_("what it printed")
P10, P50, P90, MAX = N_("p10 (ms)"), N_("median (ms)"), N_("p90 (ms)"), N_("max (ms)")

RECEIVED = N_("Ctrl+C → Go code receives")
GONE = N_("Ctrl+C → process gone")
STILL_RUNNING = N_("(still running)")
DEFAULT = N_("default")

LAUNCHES = {"setsid": "setsid ./prog", "background": "sh -c './prog &'", "nohup": "nohup ./prog"}

# how runs are counted: registered patterns, so that a count shown in a table reads in the reader's language
IN_RUNS, IN_RUN = i18n.pattern(N_("{how} in {k} of {n} runs")), i18n.pattern(N_("{how} in {k} of {n} run"))
IN_RUNS_AND = i18n.pattern(N_("{how} in {k} of {n} runs, {more}"))  # a list of outcomes, as ended_in() writes it
K_OF_N_RUNS, K_OF_N_RUN = i18n.pattern(N_("{k} of {n} runs")), i18n.pattern(N_("{k} of {n} run"))


def in_runs(how, k, n):
    """'killed by SIGINT in 19 of 20 runs'."""
    return (IN_RUN if n == 1 else IN_RUNS).format(how=how, k=k, n=n)


def ended_in(counts):
    """'exit 130' when every run ended alike, else 'exit 130 in 19 of 20 runs, survived in 1 of 20 runs'."""
    if len(counts) == 1:
        return next(iter(counts))
    n = sum(counts.values())
    return ", ".join(in_runs(how, k, n) for how, k in counts.items())


def runs_of(k, n):
    """'3 of 5 runs'."""
    return (K_OF_N_RUN if n == 1 else K_OF_N_RUNS).format(k=k, n=n)
