"""Signal latency against GC: real runs of the C floor, the Go Notify program and its stamping build."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import matplotlib.figure
import numpy as np
import pytest

from sigcamp import gc_latency, gc_latency_tables, gc_record, latency, latency_diagram, latency_stages, ledger, \
    plots, samples, toolchain
from sigcamp.claims import ch2_latency
from sigcamp.errors import SigcampError

N = 120


@pytest.fixture(scope="module")
def df():
    return latency.measure(["c-floor", "go-idle", "go-gc-churn"], n=N, rounds=2, progress=False)


@pytest.fixture(scope="module")
def small_study():
    """Every case of the chapter's study, three rounds, on the toolchain in use, kept short."""
    return gc_latency.study(n=40, rounds=3, releases=[None], seconds=0.6, progress=False)


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
    assert len(df) == 3 * 2 * N
    for (case, rnd), part in df.groupby(["case", "round"], observed=True):
        assert list(part["seq"]) == list(range(N)), (case, rnd)
        assert part["sent_ns"].is_monotonic_increasing, case
        assert part["received_ns"].is_monotonic_increasing, case
    assert set(df["round"]) == {1, 2}
    assert set(df.loc[df["case"] == "c-floor", "go"]) == {latency.C_RELEASE}
    assert set(df.loc[df["case"] != "c-floor", "go"]) == {toolchain.go().version_text}
    assert df["answered"].all()
    assert (df["received_ns"] > df["sent_ns"]).all(), "a signal arrived before it was sent"
    assert df["latency_us"].between(1, 2_000_000).all()
    assert set(df["overlapped_gc_pause"].unique()) <= {True, False, None}
    assert df[latency_stages.STAGE_COLUMNS].isna().all().all(), "a plain build has no stage stamps"
    medians = df.groupby("case", observed=True)["latency_us"].median()
    assert medians["c-floor"] < medians["go-idle"], medians


def test_rounds_interleave_the_cases_in_a_rotating_order(df):
    order = [(r["round"], r["case"]) for r in df.attrs["runs"]]
    assert order == [(1, "c-floor"), (1, "go-idle"), (1, "go-gc-churn"),
                     (2, "go-idle"), (2, "go-gc-churn"), (2, "c-floor")]
    cases = [latency.CASES[c] for c in ("c-floor", "go-idle")]
    plan = latency._plan(cases, 2, ["a", "b"])
    assert [(r, c.name, s) for r, c, s in plan] == [(1, "c-floor", None), (1, "go-idle", "a"), (1, "go-idle", "b"),
                                                     (2, "go-idle", "b"), (2, "go-idle", "a"), (2, "c-floor", None)]


def test_c_floor_never_overlaps_gc(df):
    floor = df[df["case"] == "c-floor"]
    assert len(floor) == 2 * N
    assert (floor["overlapped_gc_pause"] == False).all()  # noqa: E712
    assert not floor["first_after_gc"].any()


def test_gc_churn_marks_some_signals_as_overlapping_a_pause(df):
    churn = df[df["case"] == "go-gc-churn"]
    pause = churn["overlapped_gc_pause"]
    assert (pause == True).sum() > 0  # noqa: E712
    # a stop-the-world lies inside its GC cycle, so a pause overlap is also a cycle overlap
    assert ((pause != True) | (churn["overlapped_gc_cycle"] == True)).all()  # noqa: E712
    # a signal sent inside a stop-the-world overlaps it
    assert ((churn["sent_in_gc_pause"] != True) | (pause == True)).all()  # noqa: E712
    assert churn["first_after_gc"].sum() > 0
    assert latency.summary(df).loc["go-gc-churn", "gc_cycles"] > 0


def test_summary_per_case_and_per_round(df):
    table = latency.summary(df)
    assert list(table.index) == ["c-floor", "go-idle", "go-gc-churn"]
    for column in ("signals", "mean_us", "median_us", "p95_us", "p99_us", "max_us", "pause_overlap", "unanswered",
                   "gc_pause_p99_us"):
        assert column in table.columns
    assert (table["median_us"] <= table["p99_us"]).all() and (table["p99_us"] <= table["max_us"]).all()
    assert table.loc["go-gc-churn", "gc_pause_max_us"] > 0
    assert np.isnan(table.loc["c-floor", "gc_cycles"])
    per_round = latency.summary(df, by=("case", "round"))
    assert len(per_round) == 6 and (per_round["signals"] == N).all()
    assert per_round.loc[("go-gc-churn", 1), "gc_cycles"] + per_round.loc[("go-gc-churn", 2), "gc_cycles"] \
        == table.loc["go-gc-churn", "gc_cycles"]


def test_attrs_stay_cheap_to_copy(df):
    """pandas deep-copies attrs on every operation; the run records must be shared, not copied."""
    assert df.copy().attrs["runs"] is df.attrs["runs"]


def test_stamping_runtime_patches_both_releases_sources():
    """The stamps' anchors are found once in runtime/signal_unix.go and sigqueue.go of every course release."""
    for release in toolchain.course_versions():
        with toolchain.using(release) as go:
            runtime = go.goroot / "src" / "runtime"
            unix = latency_stages.patch_signal_unix((runtime / "signal_unix.go").read_text())
            queue = latency_stages.patch_sigqueue((runtime / "sigqueue.go").read_text())
        assert unix.count(latency_stages.MARK) == 2 and queue.count(latency_stages.MARK) == 3, go.version_text
    with pytest.raises(SigcampError, match="update sigcamp.latency_stages"):
        latency_stages.patch_sigqueue("package runtime\n")


@pytest.mark.parametrize("release", toolchain.course_versions(), ids=lambda r: r or "default-go")
def test_stamped_signals_pass_the_runtime_in_order(release):
    """On the stamping runtime every signal passes sighandler, then sigsend, then signal_recv, then
    the receiver, and the receiver's thread is not the handler's in most signals; GOROOT is untouched."""
    with toolchain.using(release) as go:
        source = go.goroot / "src" / "runtime" / "signal_unix.go"
        before = source.stat().st_mtime_ns, source.read_bytes()
        df = latency.measure(["go-idle-stamped"], n=60, progress=False, releases=[release])
        assert (source.stat().st_mtime_ns, source.read_bytes()) == before
    ns = df[["sent_ns", "handler_ns", "handled_ns", "loop_ns", "received_ns"]].astype("int64")
    ordered = (ns.diff(axis=1).iloc[:, 1:] >= 0).all(axis=1)
    assert ordered.mean() > 0.9, df[~ordered]
    steps = latency_stages.steps(df)
    assert list(steps.columns) == list(latency_stages.STEPS) and len(steps) == ordered.sum()
    assert (df["handler_tid"] != df["receiver_tid"]).mean() > 0.5
    assert latency_stages.threads(df).between(1, 3).all()


def test_c_relay_takes_three_threads_in_order():
    """The C control stamps the same steps as the Go runtime, on three threads, in order."""
    df = latency.measure(["c-relay"], n=60, progress=False)
    assert set(df["go"]) == {latency.C_RELEASE}
    steps = latency_stages.steps(df)
    assert len(steps) == 60 and (steps >= 0).all().all()
    assert (latency_stages.threads(df) == 3).all()
    assert df["handler_tid"].nunique() == df["loop_tid"].nunique() == df["receiver_tid"].nunique() == 1


def test_placement_pins_both_programs_the_same_way_and_restores_this_process():
    before = os.sched_getaffinity(0)
    table = gc_latency.placement(n=20, rounds=1)
    assert os.sched_getaffinity(0) == before
    places = gc_latency.PLACES[:min(2, len(before))]
    assert list(table["case"]) == [gc_latency.STAMPED_IDLE] * len(places) + [gc_latency.RELAY] * len(places)
    assert list(table["placed on"]) == list(places) * 2
    assert (table["signals"] == 20).all() and (table["median_us"] > 0).all()
    assert "kill → handler" in gc_latency_tables.placement(table).to_html()
    far = max(range(os.cpu_count() + 1, os.cpu_count() + 3))
    with pytest.raises(SigcampError, match="not all among"):
        latency.measure([latency.Case("far", "latency-c-floor", "x", go=False, cpus=(0, far))], n=1, progress=False)
    assert os.sched_getaffinity(0) == before


def test_article_setup_runs_for_its_time_and_sees_gc_cycles():
    case = latency.CASES["go-gc-100ms"]
    started = time.monotonic()
    df = latency.measure([case], seconds=0.6, progress=False)
    assert time.monotonic() - started < 30
    run = df.attrs["runs"][0]
    assert 0.6 <= run["seconds"] and len(df) == run["signals"] > 50
    assert len(run["report"]["pauses"]) >= 3, "a GC every 100 ms for 0.6 s"
    assert df["first_after_gc"].sum() >= 2


def test_study_tables_and_figures_read_well(small_study):
    s = small_study
    assert list(s.band().index) == [1, 2, 3]
    article = s.article()
    assert len(article) == 2 * 3 and (article["signals"] > 0).all()
    assert set(article["every"]) == {"1 s", "100 ms"}
    steps = s.steps()
    assert set(steps["case"]) == set(gc_latency.STAMPED)
    assert "go-gc-1s" in gc_latency_tables.cases().to_html()
    for table in (gc_latency_tables.summary(s), gc_latency_tables.rounds(s), gc_latency_tables.band(s),
                  gc_latency_tables.article(s), gc_latency_tables.steps(s)):
        html = table.to_html()
        assert not re.search(r">\s*(nan|None|<NA>)\s*<", html), html
        assert "\u00a0µs" in html and not re.search(r"\d\.\d{4,}", html), "durations with units, 3 digits"
    hist = plots.latency_histograms(s).value
    scatter = plots.latency_scatter(s).value
    shown = len(gc_latency.MAIN) + len(gc_latency.ARTICLE)
    assert isinstance(hist, matplotlib.figure.Figure) and len(hist.axes) == shown
    assert len(scatter.axes) == shown - 1  # the C floor has no GC to colour
    assert hist.axes[-1].get_xscale() == "log" and scatter.axes[0].get_yscale() == "log"
    legend = " ".join(t.get_text() for leg in hist.legends for t in leg.get_texts())
    assert "noise band" in legend and "median" in legend and "p99" in legend
    assert hist.axes[-1].xaxis.get_major_formatter()(1000.0) == "1 ms"
    graph = latency_diagram.signal_threads(s).value
    assert "runtime.sighandler" in graph.source and "os/signal.loop" in graph.source


def test_judges_run_on_real_evidence(small_study):
    """The ledger's judges take a real study and say what they measured (the verdict is theirs to give)."""
    for claim in ch2_latency.CLAIMS:
        finding = claim.judge(small_study.of())
        assert finding.verdict.kind in ledger.KINDS and finding.measured, claim.id


def test_duration_is_readable():
    d = gc_latency_tables.duration
    assert [d(9.834), d(631.2), d(1234.0), d(12_300.0), d(4_268_206.0), d(float("nan"))] == \
        ["9.83\u00a0µs", "631\u00a0µs", "1.23\u00a0ms", "12.3\u00a0ms", "4.27\u00a0s", ""]
    assert [d(-0.0685), d(0.5), d(0.0), d(-3.0)] == ["-68.5\u00a0ns", "500\u00a0ns", "0\u00a0µs", "-3\u00a0µs"]


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
        report, cycles = gc_record.parse_report(out.read()), gc_record.parse_gctrace(err.read())
    gc_record.check_calibration(report["calibrate"])
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


STUCK = latency.Case("stuck", "latency-notify", "world stopped behind a spinner",
                     ("-load", "spin", "-spin", "3s", "-gc-every", "50ms"), {"GODEBUG": "asyncpreemptoff=1"})


def test_unacknowledged_signal_times_out_and_the_program_is_reaped():
    # a 3 s spin that cannot be preempted: the next stop-the-world holds the receiver for seconds
    started = time.monotonic()
    with pytest.raises(SigcampError, match="not acknowledged"):
        latency.measure([STUCK], n=5000, progress=False, timeout=1.0)
    assert time.monotonic() - started < 8
    assert _running_with(["-spin", "3s"]) == []


def test_a_stall_can_be_recorded_and_the_study_goes_on():
    df = latency.measure([STUCK, latency.CASES["go-idle"]], n=200, progress=False, timeout=1.0, stalls="record")
    stuck, idle = df[df["case"] == "stuck"], df[df["case"] == "go-idle"]
    assert (~stuck["answered"]).sum() == 1 and not stuck["answered"].iloc[-1]
    assert stuck["latency_us"].iloc[-1] >= 1e6 and stuck["overlapped_gc_pause"].iloc[-1] is None
    assert idle["answered"].all() and len(idle) == 200
    assert latency.summary(df).loc["stuck", "unanswered"] == 1
    assert _running_with(["-spin", "3s"]) == []


def test_interrupt_reaps_the_program(monkeypatch):
    sent = []
    real = latency._signal

    def interrupting(prog, *args):
        assert _running_with(["-live", "4242"]), "the program should be running"
        sent.append(1)
        if len(sent) == 5:
            raise KeyboardInterrupt
        return real(prog, *args)

    monkeypatch.setattr(latency, "_signal", interrupting)
    marked = latency.Case("marked", "latency-notify", "idle, with a marker", ("-load", "idle", "-live", "4242"))
    with pytest.raises(KeyboardInterrupt):
        latency.measure([marked], n=50, progress=False)
    assert _running_with(["-live", "4242"]) == []


def test_unknown_case_and_bad_options_are_clear_errors():
    with pytest.raises(SigcampError, match="choose from c-floor"):
        latency.measure(["go-nothing"], n=1, progress=False)
    with pytest.raises(SigcampError, match="stalls="):
        latency.measure(["go-idle"], n=1, progress=False, stalls="ignore")


def test_overlap_is_true_false_or_unknown_where_the_gc_record_has_a_gap():
    sent, received = [100, 300, 500], [200, 400, 600]
    windows = [(150, 160)]  # touches the first signal only
    lost = [(3, 450, 550)]  # cycles fell out of the 256-entry history around the third
    assert list(gc_record.overlaps(sent, received, windows, lost)) == [True, False, None]
    assert list(gc_record.after_cycle([100, 300, 500, 700], [(0, 250), (0, 260)])) == [False, True, False, False]


def test_gctrace_places_both_stop_the_worlds_back_from_pause_end():
    # cycle 7 ended at 10_000 ns: sweep termination 100, mark 1_000, mark termination 50
    windows = gc_record.pause_windows([(7, 10_000, 150), (8, 20_000, 300)], {7: (100, 1_000, 50)})
    assert windows == [(8_850, 8_950), (9_950, 10_000), (19_700, 20_000)]
    assert gc_record.cycle_windows([(7, 10_000, 150)], {7: (100, 1_000, 50)}) == [(8_850, 10_000)]


def test_histograms_merge_across_runs():
    a = [(0.001, 0.002, 3), (0.002, 0.004, 1)]
    b = [(0.002, 0.004, 2)]
    merged = gc_record.merge_histograms([a, b])
    assert merged == [(0.001, 0.002, 3), (0.002, 0.004, 3)]
    assert gc_record.hist_quantile(merged, 0.5) == 0.002 and gc_record.hist_quantile(merged, 1.0) == 0.004
