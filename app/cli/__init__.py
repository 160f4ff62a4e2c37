"""The ``nwn`` command line.

Layout
------
``main.py``
    The entry point :func:`~nwn.app.cli.main.main` (``[project.scripts] nwn``; also
    ``python -m nwn.app.cli``), the parser and :data:`~nwn.app.cli.main.COMMANDS`, the tuple of
    subcommand names in the order ``nwn --help`` lists them.
``commands/NAME.py``
    One module per subcommand ``nwn NAME``. Each has ``register(subparsers)``, which adds its
    parser and sets ``func=run``, and ``run(args) -> int``. Import heavy modules inside ``run``
    so ``nwn --help`` stays fast. ``commands/_common.py`` holds helpers that several share
    (resolving a scenario file or preset name).
``progress.py``
    :class:`~nwn.app.cli.progress.ProgressBar`, the one progress display every subcommand uses.

Adding a subcommand: write ``commands/NAME.py`` with ``register`` and ``run`` as above and add
``"NAME"`` to ``COMMANDS`` in ``main.py``. Bad input raises
:class:`~nwn.geometry.checks.InputError` (a ValueError); ``main`` turns it into the one line
``nwn: error: ...`` and exit code 2. The CLI never imports :mod:`nwn.app.widgets`.
"""
