"""Chapter 1's scenarios end the way the chapter says they do."""

import pytest

from sigcamp import ctrl_c

EXPECTED = {
    "no Notify, spinning in for {}": "killed by SIGINT",
    "the article's example: no Notify, time.Sleep loop": "killed by SIGINT",
    "signal.Notify, then exit 130": "exit 130",
    "signal.NotifyContext": "exit 130",
    "signal.Ignore(os.Interrupt)": "survived",
    "Notify, but nobody reads the channel": "survived",
    "Notify, GOMAXPROCS=1, main goroutine spins": "exit 130",
    "Notify, GOMAXPROCS=1, spins, no async preemption": "survived",
    "Notify, spinner + runtime.GC(), no async preemption": "exit 130",
    "no Notify, started as a script's background job": "survived",
    "no Notify, started under nohup": "killed by SIGINT",
    "Notify, started under setsid": "survived",
    "Notify; first ^C starts shutdown, second forces exit": "exit 130",
}


def test_every_scenario_is_expected():
    assert {sc.title for sc in ctrl_c.SCENARIOS} == set(EXPECTED)


@pytest.mark.parametrize("scenario", ctrl_c.SCENARIOS, ids=lambda sc: sc.title)
def test_scenario_ends_as_the_chapter_says(scenario):
    outcome = ctrl_c.run_scenario(scenario)
    assert outcome.how == EXPECTED[scenario.title], outcome.output


def test_default_death_is_fast():
    """No Notify: the kernel kills the process promptly (a generous bound, to catch a hang)."""
    outcome = ctrl_c.run_scenario(ctrl_c.SCENARIOS[0])
    assert outcome.exit_latency_ms < 1000


def test_process_groups_explain_the_launches():
    df = ctrl_c.process_groups().set_index("launch")
    assert df.loc["direct", "in the foreground group"] and df.loc["direct", "SIGINT caught"]
    assert not df.loc["setsid", "in the foreground group"] and df.loc["setsid", "tpgid"] == -1
    assert df.loc["background", "SIGINT ignored"] and not df.loc["background", "SIGINT caught"]


def test_claims_are_filled_from_measurements():
    table = ctrl_c.scenario_table(ctrl_c.SCENARIOS)
    claims = ctrl_c.claims(table)
    assert claims["what we measured"].str.contains("killed by SIGINT after").iloc[0]
    assert (claims["verdict"].iloc[:2] == "false").all()


def test_terminal_intr_is_ctrl_c():
    assert "intr = ^C" in ctrl_c.terminal_settings()


def test_preemption_is_sigurg():
    counts = ctrl_c.preemption_signals("notify-spin").set_index("signal")["deliveries"]
    assert counts.get("SIGINT") == 1 and counts.get("SIGURG", 0) >= 1
