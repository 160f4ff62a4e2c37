"""`nwn-studio` refuses what it cannot do in one line, exit code 2, before any window."""

import sys

import pytest

from nwn.app.widgets.launch import main


def test_no_display_is_one_line_with_the_headless_alternative(monkeypatch, capsys):
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is for Linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["two_terminal_pulse"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nwn-studio: error: no display") and "nwn run" in err
    assert "\n" not in err


def test_unknown_scenario_is_one_line(capsys):
    assert main(["no_such_preset_or_file"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nwn-studio: error:") and "\n" not in err


def test_every_missing_x11_library_is_named_in_one_line(monkeypatch, capsys):
    """Qt names one missing xcb library (and blames xcb-cursor); the launch check names all."""
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is for Linux")
    import ctypes.util

    monkeypatch.setenv("DISPLAY", ":99")
    for name in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    absent = {"xcb-icccm", "xcb-keysyms"}
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if name in absent else (real(name) or f"lib{name}.so"))
    assert main(["two_terminal_pulse"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "libxcb-icccm4" in err and "libxcb-keysyms1" in err
    assert "libxcb-cursor0" not in err
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in err


def test_the_entry_point_opens_the_window_offscreen(qapp, monkeypatch, tmp_path):
    """``nwn-studio PRESET`` (offscreen): the window shows with the preset and starts depositing;
    ``main`` returns what the event loop returns."""
    from PySide6 import QtCore, QtWidgets

    from nwn.app.widgets import studio

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    monkeypatch.setattr(studio, "_settings", lambda: settings)  # not the user's own settings
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main installs slot_errors' hook
    seen = []
    earlier = set(qapp.topLevelWidgets())  # other tests' windows, closed

    def event_loop(app):
        windows = [w for w in app.topLevelWidgets()
                   if isinstance(w, studio.MainWindow) and w not in earlier]
        for window in windows:
            seen.append((window.isVisible(), window.document.scenario.name, window.depositing))
            window.close()
        return 7

    monkeypatch.setattr(QtWidgets.QApplication, "exec", event_loop)
    assert main(["two_terminal_pulse"]) == 7
    from nwn.app.models.document import Document

    assert seen == [(True, Document.from_preset("two_terminal_pulse").scenario.name, True)]
