"""The studio window fits its screen at launch: the whole window, plots included, on a laptop's
1280 x 800, a 1400 x 900 and a 1920 x 1080 screen, also with a size saved on a larger screen.

The suite's offscreen screen is one fixed size, so each screen size runs the window in its own
process, with Qt's offscreen platform configured to that screen (its ``configfile`` option).
"""

import json
import subprocess
import sys
import textwrap

import pytest
from PySide6 import QtCore

from nwn.app.widgets.studio import PREFERRED_SIZE, fitted_geometry

_PROBE = textwrap.dedent("""
    import json, sys
    from PySide6 import QtCore, QtWidgets
    app = QtWidgets.QApplication([])
    from nwn.app.widgets import studio
    studio._WARM_UP_STARTED = True  # no kernel warm-up: only the layout is looked at
    from nwn.app.models.document import Document

    def rect(r):
        return [r.left(), r.top(), r.width(), r.height()]

    def global_rect(widget):
        corner = widget.mapToGlobal(QtCore.QPoint(0, 0))
        return [corner.x(), corner.y(), widget.width(), widget.height()]

    def launch(settings):
        window = studio.MainWindow(Document.from_preset("two_terminal_pulse"),
                                   settings=settings)
        window.ask_unsaved = lambda: "discard"
        window.show()
        for _ in range(5):
            app.processEvents()
        return window

    def measure(window):
        app.processEvents()
        return {"available": rect(window.screen().availableGeometry()),
                "frame": rect(window.frameGeometry()), "client": rect(window.geometry()),
                "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
                "plots": global_rect(window.plots), "canvas": global_rect(window.canvas),
                "setup": global_rect(window.left_tabs), "slider": global_rect(window.time_label),
                "reason": global_rect(window.statusBar())}

    settings = QtCore.QSettings(sys.argv[1], QtCore.QSettings.Format.IniFormat)
    window = launch(settings)
    first = measure(window)
    window.resize(2400, 1400)  # as if saved on a larger screen
    window.move(300, 200)
    window.close()
    again = launch(settings)  # restores the saved geometry
    print(json.dumps({"first": first, "restored": measure(again)}))
    again.close()
""")


def _launch_on_screen(tmp_path, width: int, height: int) -> dict:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "probe", "x": 0, "y": 0, "width": width,
                                               "height": height, "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    env = {"QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "settings.ini")],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.parametrize("screen", [(1280, 800), (1400, 900), (1920, 1080)])
def test_the_window_fits_its_screen_at_launch_and_after_a_larger_saved_size(tmp_path, screen):
    measured = _launch_on_screen(tmp_path, *screen)
    for when in ("first", "restored"):
        got = measured[when]
        available = got["available"]
        assert available[2:] == list(screen)
        # the whole window on the screen, and every part of it that people look at
        assert _inside(got["frame"], available), (when, got)
        for part in ("plots", "canvas", "setup", "slider", "reason"):
            assert _inside(got[part], got["frame"]), (when, part, got)
        assert got["canvas"][2] >= 420  # the canvas keeps its room
    # a first launch: the preferred size where the screen has room for it, else the screen
    frame, client = measured["first"]["frame"], measured["first"]["client"]
    assert client[2] == min(PREFERRED_SIZE[0], screen[0] - (frame[2] - client[2]))
    assert client[3] == min(PREFERRED_SIZE[1], screen[1] - (frame[3] - client[3]))


def test_fitted_geometry_shrinks_moves_and_keeps_the_minimum():
    screen = QtCore.QRect(0, 0, 1400, 900)
    frame = QtCore.QMargins(4, 30, 4, 4)
    minimum = QtCore.QSize(1000, 700)
    # too wide and too tall: the frame fills the screen exactly
    fitted = fitted_geometry(screen, QtCore.QRect(10, 10, 1500, 1000), frame, minimum)
    assert fitted == QtCore.QRect(4, 30, 1392, 866)
    # fits, but sticks out to the right and below: moved back, size kept
    fitted = fitted_geometry(screen, QtCore.QRect(700, 500, 1200, 750), frame, minimum)
    assert fitted.size() == QtCore.QSize(1200, 750)
    assert fitted.right() + frame.right() == screen.right()
    assert fitted.bottom() + frame.bottom() == screen.bottom()
    # already inside: unchanged
    inside = QtCore.QRect(50, 60, 1100, 760)
    assert fitted_geometry(screen, inside, frame, minimum) == inside
    # a screen smaller than the layout's minimum: the minimum, its corner on the screen
    small = QtCore.QRect(100, 0, 800, 600)
    fitted = fitted_geometry(small, QtCore.QRect(500, 300, 1500, 900), frame, minimum)
    assert fitted.size() == minimum
    assert (fitted.left() - frame.left(), fitted.top() - frame.top()) == (100, 0)
