"""One run at a time, for the reader: `once()` as a table, and `explorer()`, a panel that runs any scenario."""

import pandas as pd

from ..display import show
from . import scenarios, words as W

BUTTON = "Run it and press Ctrl+C"


def _find(name):
    """A scenario by title, or the plain scenario of a sample name."""
    for sc in scenarios.SCENARIOS:
        if name == sc.title or (name == sc.sample and not sc.env and not sc.args and not sc.launch):
            return sc
    raise KeyError(f"no scenario or sample {name!r} among the chapter's scenarios; "
                   f"titles: {'; '.join(s.title for s in scenarios.SCENARIOS)}")


def outcome_table(sc, outcome):
    """One run as a one-row table a reader wants: how it ended, the shell's status, the latency in ms
    (blank where nothing was measured) and what the program printed (without its STAMP lines)."""
    r = scenarios.row(sc, outcome, timed=True)
    return pd.DataFrame([{W.SCENARIO: sc.title, W.SAMPLE: sc.sample, W.SETTING: sc.setting or W.DEFAULT,
                          W.ENDED: r["ended"],
                          W.SHELL: W.STILL_RUNNING if r["shell_status"] is None else str(r["shell_status"]),
                          W.LATENCY_MS: r["latency_ms"], W.LATENCY_OF: r["latency_of"],
                          W.TRANSCRIPT: r["transcript"].strip()}])


def shown(table):
    """outcome_table() as a reader sees it: short cells kept on one line, the transcript wrapped."""
    return show(table, wide=(W.TRANSCRIPT,)).set_properties(subset=[W.SAMPLE, W.ENDED, W.SHELL],
                                                            **{"white-space": "nowrap !important"})


def once(name):
    """Run one scenario (a title, or a sample's plain scenario) once; shown(outcome_table()), a Styler
    whose .data is the table."""
    sc = _find(name)
    return shown(outcome_table(sc, scenarios.run_scenario(sc)))


def explorer(choices=scenarios.SCENARIOS):
    """A panel: pick a scenario, press the button; each click runs it for real and shows its outcome table."""
    import ipywidgets as w
    from IPython.display import display

    pick = w.Dropdown(options=[(sc.title, i) for i, sc in enumerate(choices)], description="scenario",
                      layout=w.Layout(width="34em"))
    button = w.Button(description=BUTTON, button_style="primary", icon="play",
                      layout=w.Layout(width="auto", min_width="16em"))
    out = w.Output(layout=w.Layout(width="100%"))  # room for the table to take its natural width

    def on_click(_):
        sc = choices[pick.value]
        button.disabled = True
        try:
            with out:
                out.clear_output()
                print(f"running {sc.sample} {sc.setting} ...".replace("  ", " "))
                table = outcome_table(sc, scenarios.run_scenario(sc))
                out.clear_output()
                display(shown(table))
        finally:
            button.disabled = False

    button.on_click(on_click)
    return w.VBox([w.HBox([pick, button]), out])
