"""nwn-studio front end: Qt windows, canvas, workers, export and the ``nwn`` command line."""
