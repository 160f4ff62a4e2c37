"""nwn-studio front end, one subpackage per job.

=========================  ====================================================================
:mod:`nwn.app.models`      Qt-free view models: document, network scene, layouts, pacing
:mod:`nwn.app.render`      offscreen Qt drawing, no windows: network view, movies, figures, export
:mod:`nwn.app.widgets`     the ``nwn-studio`` desktop app: window, canvas, panels, dialogs, worker
:mod:`nwn.app.cli`         the ``nwn`` command line: entry point, subcommands, progress bar
=========================  ====================================================================

Each layer imports only those listed above it (the CLI never imports the widgets); the
import-linter contracts in ``pyproject.toml`` check it.
"""
