"""An error as the one line a person is shown (the window's status rows, a panel's message)."""

from __future__ import annotations

__all__ = ["error_message"]


def error_message(error: BaseException) -> str:
    """One line for the user: the message of our input/circuit errors, the type otherwise."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, ValueError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
