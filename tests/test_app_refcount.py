"""Guard against the PySide6 6.12 bug that over-releases None on void Qt calls (Python 3.11).

A live run makes thousands of such calls a second; with the bug None's reference count falls
to zero within seconds and the interpreter aborts. This test fails on an affected PySide6.
"""

import sys

import pytest
from PySide6 import QtGui


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_do_not_release_none(qapp):
    image = QtGui.QImage(32, 32, QtGui.QImage.Format.Format_RGB32)
    painter = QtGui.QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(2000):
            painter.setPen(QtGui.QPen())
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - 100, f"None lost {before - after} references in 2000 Qt calls"
