"""Signal latency against GC: real runs of the C floor and the Go Notify program."""

import os
import signal
import subprocess
import time
from pathlib import Path

import matplotlib.figure
import pytest

from sigcamp import latency, plots, samples
from sigcamp.errors import SigcampError

N = 200


@pytest.fixture(scope="module")
def df():
    return latency.measure(["c-floor", "go-idle", "go-gc-churn"], n=N, progress=False)


def _running_with(marker):
    """PIDs of live processes whose argv contains the consecutive words `marker`."""
    needle = "\0".join(marker).encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def test_dataframe_has_the_columns_and_plausible_values(df):
    assert list(df.columns) == latency.COLUMNS
    assert len(df) == 3 * N
    for case, part in df.groupby("case", observed=True):
        assert list(part["seq"]) == list(range(N)), case
        assert part["sent_ns"].is_monotonic_increasing, case
        assert part["received_ns"].is_monotonic_increasing, case
    assert (df["received_ns"] > df["sent_ns"]).all(), "a signal arrived before it was sent"
    assert df["latency_us"].between(1, 2_000_000).all()
    assert set(df["overlapped_gc_pause"].unique()) <= {True, False, None}
    medians = df.groupby("case", observed=True)["latency_us"].median()
    assert medians["c-floor"] < medians["go-idle"], medians


def test_c_floor_never_overlaps_gc(df):
    floor = df[df["case"] == "c-floor"]
    assert (floor["overlapped_gc_pause"] == False).all()  # noqa: E712


def test_gc_churn_marks_some_signals_as_overlapping_a_pause(df):
    churn = df[df["case"] == "go-gc-churn"]
    pause = churn["overlapped_gc_pause"]
    assert (pause == True).sum() > 0  # noqa: E712
    # a stop-the-world lies inside its GC cycle, so a pause overlap is also a cycle overlap
    assert ((pause != True) | (churn["overlapped_gc_cycle"] == True)).all()  # noqa: E712
    assert df.attrs["gc"]["go-gc-churn"]["gc_cycles"] > 0


def test_summary_has_median_p99_max_per_case(df):
    table = latency.summary(df)
    assert list(table.index) == ["c-floor", "go-idle", "go-gc-churn"]
    for column in ("signals", "median_us", "p99_us", "max_us", "pause_overlap", "gc_pause_p99_us"):
        assert column in table.columns
    assert (table["median_us"] <= table["p99_us"]).all()
    assert (table["p99_us"] <= table["max_us"]).all()
    assert table.loc["go-gc-churn", "gc_pause_max_us"] > 0


def test_plots_return_figures(df):
    hist = plots.latency_histograms(df).value
    scatter = plots.latency_scatter(df, x="time").value
    assert isinstance(hist, matplotlib.figure.Figure) and len(hist.axes) == 3
    assert isinstance(scatter, matplotlib.figure.Figure) and len(scatter.axes) == 3
    assert hist.axes[-1].get_xscale() == "log"
    assert set(plots.gc_states(df)) <= set(plots.GC_STYLE)


def test_pause_times_convert_to_the_monotonic_clock_and_match_gctrace(tmp_path):
    """Run the Go program by hand: its PauseEnd conversion lands inside a GC made between two
    stamps, and every reported pause has a gctrace line whose stop-the-worlds add up to it."""
    exe = samples.build("latency-notify")
    env = {**os.environ, "GODEBUG": "gctrace=1"}
    with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
        proc = subprocess.Popen([str(exe), "-load", "spin", "-gc-every", "5ms"], stdout=out, stderr=err,
                                env=env, start_new_session=True)
        try:
            time.sleep(0.5)
            proc.send_signal(signal.SIGUSR1)
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 143
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.seek(0)
        err.seek(0)
        report, cycles = latency.parse_report(out.read()), latency.parse_gctrace(err.read())
    latency.check_calibration(report["calibrate"])
    assert len(report["pauses"]) >= 5
    newest = max(cycle for cycle, _, _ in report["pauses"])
    for cycle, _, pause in report["pauses"]:
        if cycle not in cycles:
            # gcMarkTermination restarts the world before it prints the gctrace line: the newest
            # cycle can be in the report while the program exits before its line is written.
            assert cycle == newest, f"cycle {cycle} has no gctrace line (newest: {newest})"
            continue
        sweep_term, _, mark_term = cycles[cycle]
        assert abs(pause - (sweep_term + mark_term)) <= 0.1 * pause + 200_000, (cycle, pause, cycles[cycle])
    assert report["hist"]["/sched/pauses/total/gc:seconds"]


def test_unacknowledged_signal_times_out_and_the_program_is_reaped():
    # a 3 s spin that cannot be preempted: the next stop-the-world holds the receiver for seconds
    stuck = latency.Case("stuck", "latency-notify", "world stopped behind a spinner",
                         ("-load", "spin", "-spin", "3s", "-gc-every", "50ms"), {"GODEBUG": "asyncpreemptoff=1"})
    started = time.monotonic()
    with pytest.raises(SigcampError, match="not acknowledged"):
        latency.measure([stuck], n=5000, progress=False, timeout=1.0)
    assert time.monotonic() - started < 8
    assert _running_with(["-spin", "3s"]) == []


def test_interrupt_reaps_the_program(monkeypatch):
    class InterruptingBar:
        def __init__(self, **_):
            self.count = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def set_description(self, _):
            pass

        def update(self):
            self.count += 1
            assert _running_with(["-live", "4242"]), "the program should be running"
            if self.count == 5:
                raise KeyboardInterrupt

    monkeypatch.setattr(latency, "_progress", InterruptingBar)
    marked = latency.Case("marked", "latency-notify", "idle, with a marker", ("-load", "idle", "-live", "4242"))
    with pytest.raises(KeyboardInterrupt):
        latency.measure([marked], n=50)
    assert _running_with(["-live", "4242"]) == []


def test_unknown_case_is_a_clear_error():
    with pytest.raises(SigcampError, match="choose from c-floor"):
        latency.measure(["go-nothing"], n=1, progress=False)


def test_overlap_is_true_false_or_unknown_where_the_gc_record_has_a_gap():
    sent, received = [100, 300, 500], [200, 400, 600]
    windows = [(150, 160)]  # touches the first signal only
    lost = [(3, 450, 550)]  # cycles fell out of the 256-entry history around the third
    assert list(latency.overlaps(sent, received, windows, lost)) == [True, False, None]


def test_gctrace_places_both_stop_the_worlds_back_from_pause_end():
    # cycle 7 ended at 10_000 ns: sweep termination 100, mark 1_000, mark termination 50
    windows = latency.pause_windows([(7, 10_000, 150), (8, 20_000, 300)], {7: (100, 1_000, 50)})
    assert windows == [(8_850, 8_950), (9_950, 10_000), (19_700, 20_000)]
    assert latency.cycle_windows([(7, 10_000, 150)], {7: (100, 1_000, 50)}) == [(8_850, 10_000)]
