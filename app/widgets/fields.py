"""Input fields that check as you type and commit when you are done.

A :class:`ValidatedField` marks bad text red while it is typed (so Deposit and Run can refuse
at once), but hands a value to the document only on Enter or when focus leaves the field:
typing ``50000x`` never leaves 50,000 wires behind. Refusals name the field as its label shows
it, in the unit it is shown in (:func:`nwn.app.models.number_text.field_message`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from nwn.app.models.number_text import read_integer, read_number
from nwn.app.models.tooltip_text import range_words, tooltip, with_reason

__all__ = ["ValidatedField", "parse_integer", "parse_number", "spin_tooltip", "to_si"]

_INVALID_STYLE = "QLineEdit { background: #5a1e1e; color: #ffd0d0; border: 1px solid #ff5050; }"


def parse_number(name: str, text: str, *, scale: float = 1.0, positive: bool = False,
                 nonnegative: bool = False, unit: str = "") -> float:
    """``text`` (any way a person writes a number) times ``scale``.

    ValueError names ``name`` and the text; limits are said in the shown ``unit``.
    """
    value = read_number(name, text)
    shown = f" {unit}" if unit else ""
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0{shown} (got {text.strip()}{shown})")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0{shown} (got {text.strip()}{shown})")
    return to_si(value, scale)


def spin_tooltip(box: QtWidgets.QAbstractSpinBox, meaning: str, unit: str = "") -> str:
    """Give a spin box the tooltip of :func:`tooltip` with its own range (its minimum and
    maximum are the one place the range is said); returns the tip."""
    tip = tooltip(meaning, unit=unit, allowed=range_words(box.minimum(), box.maximum()))
    box.setToolTip(tip)
    return tip


def to_si(value: float, scale: float) -> float:
    """``value * scale``, dividing by 10**k for sub-unit scales so that 5 µm is 5e-06 exactly
    as typed (5 * 1e-6 is 4.9999999999999996e-06, float noise in a saved scenario)."""
    if 0 < scale < 1:
        inverse = round(1 / scale)
        if inverse > 1 and abs(inverse * scale - 1) < 1e-12:
            return value / inverse
    return value * scale


def parse_integer(name: str, text: str, *, minimum: int | None = None,
                  maximum: int | None = None) -> int:
    """``text`` as an int within bounds (``1e4`` and ``10k`` are 10000)."""
    value = read_integer(name, text)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {value})")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum} (got {value})")
    return value


class ValidatedField(QtWidgets.QLineEdit):
    """A line edit checked on every keystroke and committed on Enter or focus-out.

    Parameters
    ----------
    key : str
        Identifies the field in :attr:`validity` messages.
    parse : callable
        ``parse(text) -> value``; raises ValueError with a one-line reason.
    commit : callable
        ``commit(value)``, called on Enter / focus-out with a valid, edited value; may raise
        ValueError too (e.g. a relation between parameters), which marks the field invalid.
    tooltip : str
        What the field means; kept when an error is shown and restored when it is fixed.
    words : callable, optional
        ``words(message) -> message`` rewrites refusals for people (labels, shown units).

    Signals
    -------
    validity(str, str)
        ``(key, message)``; message is empty when the field is valid.
    committed(str)
        ``key``: a value was handed to the document.
    """

    validity = QtCore.Signal(str, str)
    committed = QtCore.Signal(str)

    def __init__(self, key: str, text: str, parse: Callable[[str], object],
                 commit: Callable[[object], None],
                 parent: QtWidgets.QWidget | None = None, *, tooltip: str = "",
                 words: Callable[[str], str] | None = None) -> None:
        super().__init__(text, parent)
        self.key = key
        self._parse = parse
        self._commit = commit
        self._words = words or (lambda message: message)
        self.base_tooltip = tooltip
        self.error = ""
        self.pending = False  # edited since the document's value was shown
        self.setToolTip(tooltip)
        self.textEdited.connect(self._edited)
        self.editingFinished.connect(self.commit_text)

    def set_base_tooltip(self, tooltip: str) -> None:
        """What the field means (shown always; an error is added below it)."""
        self.base_tooltip = tooltip
        self._show_error(self.error)

    def _show_error(self, error: str) -> None:
        changed = error != self.error
        self.error = error
        self.setStyleSheet(_INVALID_STYLE if error else "")
        self.setToolTip(with_reason(self.base_tooltip, error))
        if changed:
            self.validity.emit(self.key, error)

    def _edited(self, text: str) -> None:
        """A keystroke: check the text (the document is not touched)."""
        self.pending = True
        try:
            self._parse(text)
        except ValueError as error:
            self._show_error(self._words(str(error).splitlines()[0]))
        else:
            self._show_error("")

    def commit_text(self, *, force: bool = False) -> bool:
        """Hand the text's value to the document (Enter, focus-out; ``force``: even if not
        edited since shown). True when the field is valid afterwards."""
        if not (self.pending or force):
            return not self.error
        try:
            value = self._parse(self.text())
            self._commit(value)
        except ValueError as error:
            self._show_error(self._words(str(error).splitlines()[0]))
            return False
        except Exception as error:  # noqa: BLE001 - a bug must not escape the slot unseen
            import sys
            import traceback

            traceback.print_exc(file=sys.stderr)
            self._show_error(f"internal error: {type(error).__name__}: {error}")
            return False
        self.pending = False
        self._show_error("")
        self.committed.emit(self.key)
        return True

    def set_text_quietly(self, text: str) -> None:
        """Show a value coming from the document (clears any error and pending edit)."""
        if self.text() != text:
            self.setText(text)
        self.pending = False
        self._show_error("")
