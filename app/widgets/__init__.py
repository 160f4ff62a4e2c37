"""The ``nwn-studio`` desktop app: main window (:mod:`~nwn.app.widgets.studio`), the interactive
network canvas, one module per side panel (:mod:`nwn.app.widgets.panels`), the export dialog,
validated input fields and the worker that runs simulations off the GUI thread."""
