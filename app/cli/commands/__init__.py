"""Subcommands of the ``nwn`` command line, one module each."""
