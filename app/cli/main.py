"""The ``nwn`` command line: one subcommand per module in :mod:`nwn.app.cli.commands`.

Every subcommand module has ``register(subparsers)``, which adds its parser and sets
``func=run``, and ``run(args) -> int``. Bad input anywhere below raises :class:`ValueError`
(our :class:`~nwn.geometry.checks.InputError` included); this module turns it into the single
line ``nwn: error: <message>`` and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Signals live in nwn.app.cli.interrupts (re-exported here for the commands that name them).
from nwn.app.cli.interrupts import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    interrupt_code,
    interrupt_word,
)

#: Subcommand modules, in the order ``nwn --help`` lists them.
COMMANDS = ("run", "validate", "presets", "fit", "bridge", "ensemble", "sweep", "movie", "plot",
            "reservoir", "export")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED",
           "Terminated", "build_parser", "fault_message", "interrupt_code", "interrupt_word",
           "main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(EXIT_BAD_INPUT, f"nwn: error: {message}\n")


class _VersionAction(argparse.Action):
    """``--version``: looks the installed version up only when asked (it scans the
    installed distributions, which every other command would pay for at start-up)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show the program's version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            package_version = version("nwn-studio")
        except PackageNotFoundError:  # running from a source tree that is not installed
            package_version = "unknown"
        print(f"nwn-studio {package_version}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the ``nwn`` parser with every available subcommand registered.

    Parameters
    ----------
    only : str, optional
        Register just this subcommand (one of :data:`COMMANDS`): ``nwn run ...`` then does not
        import the modules of the other ten, which keeps its start-up short.
    """
    parser = _Parser(
        prog="nwn",
        description="Simulate self-organizing memristive nanowire networks.",
    )
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"nwn.app.cli.commands.{name}")
        except ModuleNotFoundError as error:
            # Only a missing subcommand module is tolerated; a broken dependency is a bug.
            if error.name != f"nwn.app.cli.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # stdout replaced by an object without a file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nwn`` command line and return its exit code."""
    from nwn.app.cli import interrupts

    previous = interrupts.install()
    try:
        code = _main(argv)
        if interrupts.requested() and code == EXIT_OK:
            # The signal's exception was swallowed (a weakref callback) or came as the command
            # ended: its outputs are complete, and it still leaves with the signal's code.
            print(f"nwn: {interrupts.requested_word()} (the command had finished; its outputs "
                  f"are complete)", file=sys.stderr)
            code = interrupts.requested_code()
    except KeyboardInterrupt as interrupt:  # before or after the command's own handling
        print(f"nwn: {interrupt_word(interrupt)}", file=sys.stderr)
        code = interrupt_code(interrupt)
    finally:
        if argv is None:
            # The program itself, about to leave: a signal now has nothing left to stop (and
            # one arriving as Python shuts down would print its traceback).
            interrupts.ignore()
        else:
            interrupts.restore(previous)
        signalled = interrupts.requested()
    if argv is None and (signalled or code in (EXIT_INTERRUPTED, EXIT_TERMINATED)):
        # The program itself: leave with this code now. CPython remembers a KeyboardInterrupt
        # that passed through C code (an import in progress) and would otherwise end the
        # process by SIGINT (exit -2) even though it was handled here. (A command that failed
        # on its own as the signal came keeps its code, 1 or 2, and its one line.)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if argv is None:
        # The program itself, its command over: leave without the interpreter's teardown
        # (a fifth of a one-step `nwn run`) unless something still needs it.
        from nwn.app.cli import shutdown

        shutdown.leave(code)
    return code


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # A command named first needs only its own module; anything else (no command, --help,
    # a misspelt command) gets the whole parser, whose messages list every command.
    parser = build_parser(only=words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        code = int(args.func(args) or EXIT_OK)
        sys.stdout.flush()  # a reader that went away shows up here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `nwn ... | head`: the reader has what it wanted; that is not an error
        _discard_stdout()
        return EXIT_OK
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if isinstance(error, OSError):
            message = fault_message(error)
        print(f"nwn: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        # A fault (disk full, I/O error, read-only output): one line naming the file, exit 1.
        print(f"nwn: error: {fault_message(error)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:
        # Not caught by the input checks (a bug, or a check still missing): one line all the
        # same, exit 1; NWN_TRACEBACK=1 shows the traceback to whoever fixes it.
        if os.environ.get("NWN_TRACEBACK"):
            raise
        text = str(error).splitlines()[0] if str(error) else ""
        print(f"nwn: error: {type(error).__name__}: {text} (an internal error: set "
              f"NWN_TRACEBACK=1 for details and please report it)", file=sys.stderr)
        return EXIT_FAILURE


def fault_message(error: OSError) -> str:
    """One line for an ``OSError``: the writer's own line if it made one, else the reason
    (``"disk full"``, ``"read-only file system"`` ...) and the file."""
    from nwn.engine.output_files import fault_reason

    message = getattr(error, "nwn_message", None)
    if message:
        return message
    if error.filename is not None:
        return f"{fault_reason(error)}: {error.filename}"
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__


