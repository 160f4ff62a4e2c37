"""Input fields that validate as you type: invalid text is marked red and explained, and
only valid values reach the document."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

__all__ = ["ValidatedField", "parse_number", "parse_integer"]

_INVALID_STYLE = "QLineEdit { background: #5a1e1e; color: #ffd0d0; border: 1px solid #ff5050; }"


def parse_number(name: str, text: str, *, scale: float = 1.0, positive: bool = False,
                 nonnegative: bool = False) -> float:
    """``text`` as a float times ``scale``; ValueError names ``name`` and the text."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a number (got {text.strip()!r})") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a finite number (got {text.strip()!r})")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0 (got {text.strip()})")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0 (got {text.strip()})")
    return value * scale


def parse_integer(name: str, text: str, *, minimum: int | None = None,
                  maximum: int | None = None) -> int:
    """``text`` as an int within bounds; ValueError names ``name`` and the text."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number (got {text.strip()!r})") from None
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {value})")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum} (got {value})")
    return value


class ValidatedField(QtWidgets.QLineEdit):
    """A line edit whose text is parsed on every keystroke.

    Parameters
    ----------
    key : str
        Identifies the field in :attr:`validity` messages.
    parse : callable
        ``parse(text) -> value``; raises ValueError with a one-line reason.
    commit : callable
        ``commit(value)``, called with every valid value; may raise ValueError too (e.g. a
        relation between parameters), which marks the field invalid the same way.

    Signals
    -------
    validity(str, str)
        ``(key, message)``; message is empty when the field is valid.
    """

    validity = QtCore.Signal(str, str)

    def __init__(self, key: str, text: str, parse: Callable[[str], object],
                 commit: Callable[[object], None],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.key = key
        self._parse = parse
        self._commit = commit
        self.error = ""
        self.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        try:
            value = self._parse(text)
            self._commit(value)
        except ValueError as error:
            self.error = str(error).splitlines()[0]
            self.setStyleSheet(_INVALID_STYLE)
            self.setToolTip(self.error)
        else:
            self.error = ""
            self.setStyleSheet("")
            self.setToolTip("")
        self.validity.emit(self.key, self.error)

    def set_text_quietly(self, text: str) -> None:
        """Show a value coming from the document (clears any error)."""
        if self.text() != text:
            self.setText(text)
        if self.error:
            self.error = ""
            self.setStyleSheet("")
            self.setToolTip("")
            self.validity.emit(self.key, "")
