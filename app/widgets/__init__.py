"""The ``nwn-studio`` desktop app: its entry point (:mod:`~nwn.app.widgets.launch`, which imports
no Qt until it opens the window), the main window (:mod:`~nwn.app.widgets.studio`), the
interactive network canvas, one module per side panel (:mod:`nwn.app.widgets.panels`), the
export dialog, validated input fields and the worker that runs simulations off the GUI
thread."""
