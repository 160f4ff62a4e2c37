"""nwn-studio front end: Qt windows, canvas, workers, export and the ``nwn`` command line."""

from nwn.app.refcounts import protect_singletons

# Before any Qt call: PySide6 6.12 over-releases None/True/False on Python 3.11 (see refcounts).
protect_singletons()
