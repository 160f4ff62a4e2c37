"""The Analysis tab: lumped-law fit of a measured trace and of the run, off the GUI thread."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nwn.resources import validation_path  # noqa: E402

TRACE = validation_path("milano2022_pulse_2V.txt")


@pytest.mark.slow
def test_analysis_tab_fits_the_measured_trace_in_a_worker(qtbot):
    from nwn.app.widgets.panels.analysis import AnalysisPanel
    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.traces import read_trace

    panel = AnalysisPanel(lambda: None)
    qtbot.addWidget(panel)
    panel.starts.setValue(3)
    assert panel.fit_file(TRACE)
    assert panel.busy  # returned at once: the fit runs in the worker thread
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60_000)
    fit, stochastic = panel.result
    # the same numbers as the engine's fit on the GUI-free path
    direct = fit_deterministic(read_trace(TRACE), n_starts=3)
    assert fit.parameters == pytest.approx(direct.parameters, rel=1e-9)
    text = panel.numbers.toPlainText()
    assert "RMS relative error" in text and "±" in text and "kp0" in text
    assert fit.rms_relative_error < 0.1  # the published law describes the measurement
    x, y = panel.fit_curve.getData()
    assert np.array_equal(y, fit.fitted)
    assert stochastic.centred.size > 0
    assert panel.fit_run_button.isEnabled()


def test_fit_run_without_trace_says_why(qtbot):
    from nwn.app.widgets.panels.analysis import AnalysisPanel, run_trace

    panel = AnalysisPanel(lambda: None)
    qtbot.addWidget(panel)
    assert not panel.fit_run()
    assert "no two-terminal trace" in panel.status.text()
    t = np.linspace(0, 1, 5)
    traces = {"t": t, "terminal_current": np.stack([t, -t], 1),
              "terminal_voltage": np.stack([2 + 0 * t, 0 * t], 1), "conductance": 0.5 * t}
    trace = run_trace(traces, ["a", "b"], ["voltage", "ground"])
    assert trace.t.size == 4  # G = 0 at t = 0 dropped
    assert np.allclose(trace.voltage, 2.0)


def test_analysis_tab_saves_the_report_nwn_fit_writes(qtbot, tmp_path):
    import json

    from nwn.app.cli.main import main
    from nwn.app.render.report_figures import report_files
    from nwn.app.widgets.panels.analysis import AnalysisPanel
    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.residuals import analyze_residuals
    from nwn.engine.analysis.traces import read_trace

    panel = AnalysisPanel(lambda: None)
    qtbot.addWidget(panel)
    assert not panel.save_button.isEnabled() and panel.save_report(tmp_path / "x") == []
    fit = fit_deterministic(read_trace(TRACE), n_starts=1)
    panel._show((fit, analyze_residuals(fit)))
    assert panel.save_button.isEnabled()
    folder = tmp_path / "app_report"
    panel.ask_folder = lambda: str(folder)
    panel.save_button.click()
    assert sorted(p.name for p in folder.iterdir()) == sorted(report_files())
    # The same files, and the same numbers, as the command line's report.
    assert main(["fit", str(TRACE), "-o", str(tmp_path / "cli_report"), "--starts", "1"]) == 0
    cli = json.loads((tmp_path / "cli_report" / "fit.json").read_text())
    app = json.loads((folder / "fit.json").read_text())
    assert app == cli
    assert sorted(p.name for p in (tmp_path / "cli_report").iterdir()) == \
        sorted(report_files())
    # An existing report is replaced only when the user says so.
    before = (folder / "fit.json").stat().st_mtime_ns
    panel.confirm = lambda paths: False
    assert panel.save_report(folder) == []
    assert (folder / "fit.json").stat().st_mtime_ns == before
    panel.confirm = lambda paths: True
    assert len(panel.save_report(folder)) == len(report_files())


def test_the_fit_shows_its_progress_and_can_be_cancelled(qtbot):
    from nwn.app.widgets.panels.analysis import AnalysisPanel

    panel = AnalysisPanel(lambda: None)
    qtbot.addWidget(panel)
    panel.starts.setValue(64)  # long enough to be caught running
    assert panel.fit_file(TRACE)
    assert panel.state == "running" and panel.cancel_button.isEnabled()
    assert not panel.fit_run_button.isEnabled() and not panel.load_button.isEnabled()
    qtbot.waitUntil(lambda: panel.bar.value() >= 1, timeout=60_000)
    assert panel.bar.maximum() == 64 and "of 64 starting points" in panel.bar.format()
    # a second start while it runs is refused without re-enabling the buttons
    assert not panel.fit_file(TRACE)
    assert "already running" in panel.status.text() and not panel.load_button.isEnabled()
    panel.cancel()
    assert panel.state == "cancelling" and not panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.state == "cancelled", timeout=30_000)
    assert not panel.busy and panel.result is None
    assert panel.fit_run_button.isEnabled() and panel.load_button.isEnabled()
    assert panel.bar.value() < 64 and "cancelled" in panel.status.text()


def test_fit_reports_each_start_and_stops_when_its_report_raises():
    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.traces import read_trace

    trace = read_trace(TRACE)
    calls = []
    fit = fit_deterministic(trace, n_starts=3, report=lambda done, total: calls.append(
        (done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert fit.parameters == fit_deterministic(trace, n_starts=3).parameters

    class Stop(Exception):
        pass

    def stop_after_one(done, total):
        if done == 1:
            raise Stop

    with pytest.raises(Stop):
        fit_deterministic(trace, n_starts=3, report=stop_after_one)
