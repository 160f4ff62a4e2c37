"""PySide6 6.12 over-releases None on void calls; nwn.app must keep the interpreter alive."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import nwn.app  # noqa: E402, F401  (importing the package protects the singletons)
from nwn.app.refcounts import SINGLETON_RESERVE, protect_singletons  # noqa: E402


def test_void_qt_calls_cannot_exhaust_none(qapp):
    from PySide6 import QtWidgets

    widget = QtWidgets.QWidget()
    before = sys.getrefcount(None)
    for _ in range(20_000):  # several times None's natural count on an unprotected 3.11
        widget.resize(10, 10)
    after = sys.getrefcount(None)
    if sys.version_info < (3, 12):
        assert after > SINGLETON_RESERVE // 2
        assert not protect_singletons()  # idempotent: already done at import
    assert after > 0 and before > 0
