"""Protection against PySide6 6.12's over-release of ``None``, ``True`` and ``False``.

On Python < 3.12 these singletons are ordinary reference-counted objects. PySide6 6.12
decrements ``None``'s count once for every Qt method returning void that Python calls, and
``True``'s for some bool returns, without having incremented it. A running studio window makes
thousands of such calls a second (about 7,000/s measured during a run), so ``None``'s count
(a few tens of thousands at start) reaches zero within seconds and the interpreter aborts with
"none_dealloc" (or "bool_dealloc" at exit). Python 3.12 made the singletons immortal; this
module does the same for older interpreters by adding a large constant to their counts once,
so no realistic number of over-releases can bring them to zero.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["protect_singletons", "SINGLETON_RESERVE"]

#: References added to each singleton: at 10^6 over-releases a second this lasts ~35 years.
SINGLETON_RESERVE = 1 << 40
_protected = False


def protect_singletons() -> bool:
    """Make ``None``, ``True`` and ``False`` practically immortal (Python < 3.12 only).

    Idempotent; call it before the first Qt call. Returns True when counts were raised now.
    """
    global _protected
    if _protected or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field (Py_ssize_t) of every CPython 3.11 object.
        count = ctypes.c_ssize_t.from_address(id(singleton))
        count.value += SINGLETON_RESERVE
    _protected = True
    return True
