"""Chapter 1: what really happens when you press Ctrl+C at a Go program.

Each scenario is a real sample run on a real PTY with a real Ctrl+C (the tty's
INTR character), repeated so that outcomes come with counts and latencies with
distributions. The submodules: scenarios (the runs and their tables), stall
(a GC waiting for a spinner, with its controls), preemption (SIGURG under
strace), channel (what an unread Notify channel keeps), source (sysmon's
timing in the installed runtime), terminal, plots and explorer.
"""

from .channel import late_reader
from .explorer import explorer, once, outcome_table
from .plots import plot_latencies, plot_preemption_wait, plot_stall
from .preemption import preemption_runs, preemption_table
from .scenarios import (SCENARIOS, Scenario, latency_table, percentiles, run_scenario, scenario, scenario_runs,
                        scenario_table)
from .source import sysmon_source
from .stall import stall_runs, stall_table
from .terminal import process_groups, terminal_settings

__all__ = [
    "SCENARIOS", "Scenario", "scenario", "run_scenario", "scenario_runs", "scenario_table", "latency_table",
    "percentiles", "stall_runs", "stall_table", "preemption_runs", "preemption_table", "late_reader",
    "sysmon_source", "terminal_settings", "process_groups", "plot_latencies", "plot_preemption_wait",
    "plot_stall", "explorer", "once", "outcome_table",
]
