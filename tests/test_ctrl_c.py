"""Chapter 1's experiments, run for real: each asserts what the evidence shows, not a verdict."""

import numpy as np
import pandas as pd
import pytest

from sigcamp import ctrl_c, display
from sigcamp.ctrl_c import scenarios as S, stall as ST, words as W

EXPECTED = {
    S.SPIN: "killed by SIGINT",
    S.SLEEP: "killed by SIGINT",
    S.C_DEFAULT: "killed by SIGINT",
    S.EXIT: "exit 130",
    S.CONTEXT: "exit 130",
    S.IGNORE: "survived",
    S.UNREAD: "survived",
    S.ONE_P: "exit 130",
    S.HELD: "survived",
    S.STALL: "exit 130",
    S.BACKGROUND: "survived",
    S.NOHUP: "killed by SIGINT",
    S.SETSID: "survived",
    S.TWICE: "exit 130",
}


@pytest.fixture(scope="module")
def runs():
    """Every scenario: 3 timed runs each (one at a time), 2 runs of each other one (side by side)."""
    return ctrl_c.scenario_runs(repeat=2, timed=3)


def test_every_scenario_is_expected():
    assert [sc.title for sc in ctrl_c.SCENARIOS] == list(EXPECTED)


@pytest.mark.parametrize("title", list(EXPECTED))
def test_scenario_ends_as_the_chapter_says(runs, title):
    sub = S.runs_of(runs, title)
    assert (sub["ended"] == EXPECTED[title]).all(), sub[["ended", "transcript"]].to_string()
    assert len(sub) == (3 if S.scenario(title).timed else 2)


def test_timed_runs_carry_latencies_and_the_others_none(runs):
    timed = runs[runs["timed"]]
    assert timed["latency_ms"].notna().all() and (timed["latency_ms"] > 0).all()
    assert runs.loc[~runs["timed"], "latency_ms"].isna().all()
    assert (timed["delay_ms"] <= S.DELAY_MS).all()
    assert (S.runs_of(runs, S.STALL)["delay_ms"] == 0).all()  # typed at READY, into the stall


def test_default_death_is_prompt(runs):
    """No Notify: the kernel kills the process promptly (a generous bound, to catch a hang)."""
    assert (S.runs_of(runs, S.SPIN)["latency_ms"] < 2000).all()


def test_scenario_table_counts_runs_and_leaves_blanks(runs):
    table = ctrl_c.scenario_table(runs).set_index(W.SCENARIO)
    assert list(table.index) == list(EXPECTED)
    assert table.loc[S.IGNORE, W.SHELL] == W.STILL_RUNNING and table.loc[S.SPIN, W.SHELL] == "130"
    assert pd.isna(table.loc[S.IGNORE, W.P50]) and table.loc[S.EXIT, W.P50] > 0
    assert table.loc[S.ONE_P, W.SETTING] == "GOMAXPROCS=1"
    html = display.show(ctrl_c.scenario_table(runs)).to_html()
    assert "nan" not in html.lower() and "None" not in html


def test_latency_table_orders_percentiles(runs):
    lat = ctrl_c.latency_table(runs)
    assert set(lat[W.SCENARIO]) == {sc.title for sc in ctrl_c.SCENARIOS if sc.timed}
    assert (lat[W.P10] <= lat[W.P50]).all() and (lat[W.P50] <= lat[W.P90]).all() and (lat[W.P90] <= lat[W.MAX]).all()


def test_scenario_table_shows_mixed_outcomes_with_counts():
    rows = [{"scenario": "x", "sample": "s", "setting": "", "ended": e, "shell_status": None if e == "survived" else 130,
             "latency_ms": None, "latency_of": "", "timed": False} for e in ("exit 130", "exit 130", "survived")]
    table = ctrl_c.scenario_table(pd.DataFrame(rows))
    assert table[W.ENDED].iloc[0] == "exit 130 in 2 of 3 runs, survived in 1 of 3 runs" and table[W.RUNS].iloc[0] == 3


def test_the_stall_waits_for_a_spinner_chunk_and_only_with_a_gc(runs):
    stall = ctrl_c.stall_runs(runs, repeat=3, early_repeat=0)
    scenario = stall[stall["variant"] == ST.SCENARIO.name]
    control = stall[stall["variant"] == ST.VARIANTS[1].name]
    assert scenario["waited"].all(), scenario.to_string()  # READY comes only once the GC waits for the spinner
    assert (scenario["gap_ms"] < scenario["latency_ms"]).all()
    assert (scenario["gc_stops"] > 0).all() and (control["gc_stops"] == 0).all()
    assert (stall["ended"] == "exit 130").all()
    assert control["latency_ms"].median() < scenario["latency_ms"].median()
    table = ctrl_c.stall_table(stall)
    assert table[ST.VARIANT].iloc[0] == ST.SCENARIO.name and table[ST.WAITED].iloc[0] == "3 of 3 runs"


def test_attribute_reads_chunk_ends_between_the_keystroke_and_the_receive():
    row = {"sent_ns": 1_000, "stamps": {"spinning": 500, "chunk-1": 800, "chunk-2": 5_000, "received": 5_200},
           "transcript": "longest stop-the-world stop: 3.000-4.000 ms (2 GC stop-the-worlds)\n"}
    got = ST.attribute(row)
    assert got["chunks_crossed"] == 1 and got["waited"] and got["gap_ms"] == pytest.approx(0.0002)
    assert got["spinner_started"] and got["longest_stop_ms"] == 4.0 and got["gc_stops"] == 2
    row["stamps"] = {"received": 1_100, "chunk-1": 800}
    row["transcript"] = "longest stop-the-world stop: none (0 GC stop-the-worlds)\n"
    got = ST.attribute(row)
    assert not got["waited"] and got["gap_ms"] is None and not got["spinner_started"] and got["gc_stops"] == 0


def test_preemption_is_sigurg_and_only_with_async_preemption():
    pre = ctrl_c.preemption_runs(repeat=2)
    on = pre[pre["setting"] == "async preemption on (default)"]
    off = pre[pre["setting"] == "GODEBUG=asyncpreemptoff=1"]
    assert len(on) == len(off) == 2, pre.to_string()
    assert on["received"].all() and (on["SIGURG"] >= 1).all(), on.to_string()
    assert not off["received"].any() and (off["SIGURG"] == 0).all() and (off["SIGINT"] == 1).all(), off.to_string()


def test_an_unread_channel_keeps_the_first_signal():
    df = ctrl_c.late_reader(repeat=1)
    row = df.iloc[0]
    assert (row["Ctrl+C typed"], row["delivered to the process"], row["kept for the late reader"]) == (3, 3, 1)
    assert "STAMP" not in row[W.TRANSCRIPT]


def test_sysmon_lines_are_found_in_the_installed_runtime():
    df = ctrl_c.sysmon_source()
    assert not df["code"].str.contains("not found").any(), df.to_string()
    assert df["code"].str.contains(r"forcePreemptNS = 10 \* 1000 \* 1000").any()


def test_one_run_reads_as_a_table():
    table = ctrl_c.once("notify-exit").data
    row = table.iloc[0]
    assert row[W.ENDED] == "exit 130" and row[W.SHELL] == "130" and row[W.LATENCY_MS] > 0
    assert "got signal: interrupt" in row[W.TRANSCRIPT] and "STAMP" not in row[W.TRANSCRIPT]
    survived = ctrl_c.outcome_table(S.scenario(S.IGNORE), S.run_scenario(S.scenario(S.IGNORE)))
    html = display.show(survived).to_html()
    assert "None" not in html and "nan" not in html.lower() and W.STILL_RUNNING in html


def test_explorer_offers_every_scenario_and_a_whole_label():
    panel = ctrl_c.explorer()
    pick, button = panel.children[0].children
    assert [label for label, _ in pick.options] == [sc.title for sc in ctrl_c.SCENARIOS]
    assert button.description == "Run it and press Ctrl+C" and button.layout.width == "auto"


def test_process_groups_explain_the_launches():
    df = ctrl_c.process_groups().set_index("launch")
    assert df.loc["direct", "in the foreground group"] and df.loc["direct", "SIGINT caught"]
    assert not df.loc["setsid", "in the foreground group"] and df.loc["setsid", "tpgid"] == -1
    assert df.loc["background", "SIGINT ignored"] and not df.loc["background", "SIGINT caught"]


def test_terminal_intr_is_ctrl_c():
    assert "intr = ^C" in ctrl_c.terminal_settings()


def test_figures_draw_from_runs():
    rng = np.random.default_rng(1)
    runs = pd.DataFrame({"scenario": S.ONE_P, "latency_ms": rng.uniform(0, 20, 20)})
    assert ctrl_c.plot_preemption_wait(runs).value.axes[0].get_xlim()[1] >= 20
    stall = pd.DataFrame({"variant": ["a", "a", "b"], "latency_ms": [100.0, 120.0, 0.3],
                          "waited": [True, True, False]})
    assert ctrl_c.plot_stall(stall).value.axes[0].get_xscale() == "log"
