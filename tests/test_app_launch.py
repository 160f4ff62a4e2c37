"""`nwn-studio` refuses what it cannot do in one line, exit code 2, before any window."""

import sys

import pytest

from nwn.app.widgets.studio import main


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
