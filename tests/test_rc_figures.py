"""The reservoir-computing figures of README, drawn with pyqtgraph offscreen (no matplotlib)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

STUDY = {
    "bias_mc": 0.15,
    "offset": {"values": [1.0, 2.0, 3.0], "memory_capacity": [0.5, 0.6, 0.9],
               "memory_capacity_std": [0.1, 0.1, 0.2], "nlt": [0.80, 0.81, 0.82],
               "nlt_std": [0.0, 0.01, 0.0]},
    "attractor": {"attractor": [0.01, 0.1, 0.5], "attractor_std": [0.0, 0.01, 0.05],
                  "theta": [5.0, 5.5, 7.0]},
    "noise": {"labels": ["rate", "filament n_max=10", "ou_jump, jumps"],
              "memory_capacity": [0.5, 0.1, 0.5], "memory_capacity_std": [0, 0, 0],
              "nlt": [0.8, 0.5, 0.8], "nlt_std": [0, 0, 0]},
}


def test_study_and_memory_capacity_figures_are_pngs_drawn_without_matplotlib(tmp_path):
    code = """
import json, sys
from nwn.app.render.rc_figures import write_memory_capacity_figure, write_study_figure
write_study_figure(sys.argv[1] + "/study.png", json.loads(sys.argv[2]))
write_memory_capacity_figure(sys.argv[1] + "/mc.png", [("a", [0.9, 0.5, 0.1]),
                             ("b", [0.5, 0.1, 0.0])], bias_per_delay=0.002,
                             x_label="delay", title="MC")
assert "matplotlib" not in sys.modules, "matplotlib was imported"
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path), json.dumps(STUDY)],
                          capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    from PySide6 import QtGui

    for name, width in (("study.png", 1500), ("mc.png", 832)):
        image = QtGui.QImage(str(tmp_path / name))
        assert image.width() == width and image.height() > 300
        # something is drawn: not a blank white page
        pixels = np.array([image.pixel(x, y) & 0xFFFFFF for x in range(0, width, 7)
                           for y in range(0, image.height(), 7)])
        assert np.count_nonzero(pixels != 0xFFFFFF) > 200
