"""File dialogs that behave: each kind of file remembers its last folder, a saved file gets
its extension, and nothing is overwritten without asking.

:class:`FileDialogs` is what the window and its export actions ask for paths. Its three hooks
(``get_open``, ``get_save``, ``confirm``) are the Qt dialogs; tests replace them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6 import QtCore, QtWidgets

__all__ = ["FileDialogs", "with_suffix"]


def with_suffix(path: str | Path, suffixes: Sequence[str]) -> Path:
    """``path`` with ``suffixes[0]`` appended unless it already ends in one of ``suffixes``
    (case-insensitive): ``grid_layout`` -> ``grid_layout.toml``."""
    path = Path(path)
    if path.suffix.lower() in {s.lower() for s in suffixes}:
        return path
    return path.with_name(path.name + suffixes[0])


def _get_open(parent, title: str, start: str, filters: str) -> str:
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, start, filters)
    return path


def _get_save(parent, title: str, start: str, filters: str) -> str:
    # We confirm ourselves, after the extension is added: Qt's own question would ask about
    # "grid_layout" and then write "grid_layout.toml" unasked.
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        parent, title, start, filters,
        options=QtWidgets.QFileDialog.Option.DontConfirmOverwrite)
    return path


def _confirm(parent, paths: Sequence[Path]) -> bool:
    names = "\n".join(str(p) for p in paths)
    answer = QtWidgets.QMessageBox.question(
        parent, "Replace file?",
        f"{'This file exists' if len(paths) == 1 else 'These files exist'}:\n{names}\n\n"
        "Replace?",
        QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.Cancel,
        QtWidgets.QMessageBox.StandardButton.Cancel)
    return answer == QtWidgets.QMessageBox.StandardButton.Yes


class FileDialogs:
    """Open and save dialogs for one window.

    Parameters
    ----------
    parent : QWidget
    settings : QSettings
        Where the last folder of each kind of file is kept (``folders/<kind>``).

    Attributes
    ----------
    get_open, get_save : callable
        ``(parent, title, start, filters) -> path or ""``: the Qt file dialogs.
    confirm : callable
        ``(parent, [Path]) -> bool``: asked before existing files are replaced.
    """

    def __init__(self, parent: QtWidgets.QWidget, settings: QtCore.QSettings) -> None:
        self.parent = parent
        self.settings = settings
        self.get_open = _get_open
        self.get_save = _get_save
        self.confirm = _confirm

    def folder(self, kind: str) -> str:
        """The folder the last ``kind`` file was opened from or saved to ("" if none yet)."""
        value = self.settings.value(f"folders/{kind}", "")
        folder = str(value or "")
        return folder if folder and Path(folder).is_dir() else ""

    def remember(self, kind: str, path: str | Path) -> None:
        """Remember the folder of ``path`` for the next ``kind`` dialog."""
        self.settings.setValue(f"folders/{kind}", str(Path(path).resolve().parent))

    def _start(self, kind: str, name: str = "") -> str:
        folder = self.folder(kind)
        return str(Path(folder) / name) if folder else name

    def open_path(self, kind: str, title: str, filters: str) -> Path | None:
        """Ask for a file to open; None when cancelled."""
        path = self.get_open(self.parent, title, self._start(kind), filters)
        if not path:
            return None
        self.remember(kind, path)
        return Path(path)

    def save_path(self, kind: str, title: str, default_name: str, filters: str,
                  suffixes: Sequence[str], *, derived=None) -> Path | None:
        """Ask for a file to write; None when cancelled or the user would not replace it.

        Parameters
        ----------
        kind : str
            Which folder to remember ("scenario", "results", "figure", ...).
        default_name : str
            The name offered.
        suffixes : sequence of str
            Extensions allowed; the first is added when the name has none of them.
        derived : callable, optional
            ``derived(path) -> [Path]``: the files actually written for ``path`` (an export
            of several plots under one stem); those that exist are confirmed.
        """
        path = self.get_save(self.parent, title, self._start(kind, default_name), filters)
        if not path:
            return None
        target = with_suffix(path, suffixes)
        written = list(derived(target)) if derived is not None else [target]
        existing = [p for p in written if p.exists()]
        if existing and not self.confirm(self.parent, existing):
            return None
        self.remember(kind, target)
        return target

    def ask_export(self, parent, title: str, default: str, filters: str) -> str | None:
        """The ``ask_path`` of :func:`nwn.app.widgets.export_dialog.install_export_actions`:
        the suffixes come from the filter's patterns (``Images (*.png *.svg)``); the export
        itself confirms replacing the files it writes."""
        import re

        suffixes = re.findall(r"\*(\.[A-Za-z0-9]+)", filters) or [Path(default).suffix]
        kind = "export" + suffixes[0]
        # The export confirms the files it really writes (one per plot under a stem).
        path = self.save_path(kind, title, default, filters, suffixes, derived=lambda _p: [])
        return None if path is None else str(path)
