"""Writing output files without losing a user's data: the one set of rules every writer follows.

* :func:`check_output` is called before any work: the name must end in an extension of its
  format (:data:`FORMATS`), must not be one of the command's inputs (compared as resolved
  paths and with ``os.path.samefile``), must not be a folder, its folder must exist, and an
  existing file is only replaced when the caller says so (``--force`` on the command line).
* :func:`atomic_path` (with :func:`partial_file`) writes under a hidden temporary name in the
  target's folder and renames it onto the target only when the block succeeded and wrote a
  non-empty file; otherwise the temporary file is deleted and the target is left as it was.
* :func:`atomic_paths` does the same for several outputs of one command, all or none: every
  file is written and synced under its temporary name before any is renamed.
* :func:`write_fault` turns an ``OSError`` met while writing (disk full, I/O error, read-only
  file system, no permission) into one line naming the file.

The engine, the command line and the app all use these, so the rules live here only.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from nwn.geometry.checks import InputError

__all__ = [
    "FORMATS",
    "OutputExists",
    "atomic_path",
    "atomic_paths",
    "check_distinct",
    "check_output",
    "is_io_fault",
    "is_partial_file",
    "partial_file",
    "same_file",
    "write_fault",
]

#: Allowed (lower-case) extensions of each kind of output file.
FORMATS: dict[str, tuple[str, ...]] = {
    "results": (".h5", ".hdf5"),
    "csv": (".csv",),
    "figure": (".png", ".svg"),
    "movie": (".mp4", ".gif"),
    "json": (".json",),
    "text": (".txt", ".dat", ".csv", ".tsv"),
    # what circuit simulators and their users name netlists (ngspice, LTspice, Xyce)
    "spice": (".cir", ".sp", ".spice", ".net"),
    "graphml": (".graphml", ".xml"),
    # mnns's own wire files are whitespace-separated text
    "mnns": (".txt", ".dat"),
}

#: Marker in the name of every temporary file :func:`partial_file` makes.
PARTIAL_MARK = ".part"


class OutputExists(InputError):
    """The output file exists and replacing it was not asked for."""


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two names are the same file (the same resolved path, or the same inode)."""
    a, b = Path(a), Path(b)
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop
        return False
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: str | os.PathLike, kind: str | None = None, *,
                 inputs: Iterable[str | os.PathLike | None] = (), force: bool = False,
                 option: str = "-o", force_option: str = "--force") -> Path:
    """Refuse an output name that would lose data or write the wrong format; return it as Path.

    Parameters
    ----------
    path : str or PathLike
        The output file.
    kind : str, optional
        A key of :data:`FORMATS`: the name must end in one of its extensions.
    inputs : iterable of paths
        The files the command reads (None entries and names that are not files are ignored):
        the output may be none of them, whatever ``force`` says.
    force : bool
        Replace an existing file; without it an existing file raises :class:`OutputExists`.
    option, force_option : str
        How the message names the output's option and the option that allows replacing.

    Raises
    ------
    InputError
        One line naming the file and what is wrong.
    """
    target = Path(path)
    if kind is not None:
        allowed = FORMATS[kind]
        if target.suffix.lower() not in allowed:
            raise InputError(f"{option} {str(target)!r} must end in {' or '.join(allowed)} "
                             f"(a {kind} file)")
    for source in inputs:
        if source is not None and Path(source).exists() and same_file(source, target):
            raise InputError(f"{option} {str(target)!r} is an input of this command; it is "
                             f"never overwritten (choose another name)")
    if target.is_dir():
        raise InputError(f"{option} {str(target)!r} is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"output folder {str(folder)!r} does not exist")
    if target.exists() and not force:
        raise OutputExists(f"{option} {str(target)!r} already exists (choose another name, or "
                           f"{force_option} to replace it)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"output folder {str(folder)!r} is not writable")
    return target


def check_distinct(*paths: str | os.PathLike | None) -> None:
    """Refuse two outputs of one command that name the same file."""
    given = [Path(p) for p in paths if p is not None]
    for i, a in enumerate(given):
        for b in given[i + 1:]:
            if same_file(a, b):
                raise InputError(f"two outputs name the same file {str(a)!r} (give each its "
                                 f"own name)")


def partial_file(path: str | os.PathLike) -> Path:
    """Create an empty hidden file next to ``path`` to write it under, before renaming.

    The file gets the permissions an ordinary new file would (``mkstemp`` makes it private).
    InputError if the target's folder does not exist; a fault (read-only folder, disk full)
    is reported as one line naming the target (never the hidden name).
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"output folder {str(folder)!r} does not exist")
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.stem}.",
                                        suffix=f"{PARTIAL_MARK}{target.suffix}")
    except OSError as error:
        raise write_fault(error, target) from None
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    return Path(temp)


def is_partial_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a temporary name made by :func:`partial_file`."""
    name = Path(path).name
    return name.startswith(".") and PARTIAL_MARK in name


@contextmanager
def atomic_path(path: str | os.PathLike, *, allow_empty: bool = False):
    """Yield a temporary path next to ``path``; rename it onto ``path`` if the block succeeds.

    The block must write the file completely. Unless ``allow_empty``, an empty file counts as
    a failed write (a library that ignores a full disk leaves one). On any failure the
    temporary file is deleted and ``path`` is left untouched; an ``OSError`` is re-raised as
    :func:`write_fault` of ``path``.
    """
    target = Path(path)
    temp = partial_file(target)
    try:
        try:
            yield temp
            if not allow_empty and temp.stat().st_size == 0:
                raise OSError(errno.EIO, "nothing was written (is the disk full?)", str(target))
            _sync(temp)
            os.replace(temp, target)
        except OSError as error:
            raise write_fault(error, target) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_paths(*paths: str | os.PathLike, allow_empty: bool = False):
    """Yield temporary paths next to each of ``paths``; rename them all if the block succeeds.

    All or nothing: the block writes every file; each is then checked (non-empty unless
    ``allow_empty``) and synced, and only then are they renamed onto their targets, so that a
    failure anywhere (a full disk while writing the second) leaves every target as it was and
    no temporary file behind. An ``OSError`` is re-raised as :func:`write_fault` of the target
    it concerns.
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(partial_file(target))
        current = targets[0] if targets else Path(".")
        try:
            yield list(temps)
            for target, temp in zip(targets, temps, strict=True):
                current = target
                if not allow_empty and temp.stat().st_size == 0:
                    raise OSError(errno.EIO, "nothing was written (is the disk full?)",
                                  str(target))
                _sync(temp)
            for target, temp in zip(targets, temps, strict=True):
                current = target
                os.replace(temp, target)
        except OSError as error:
            # the target whose temporary file the error names (a writer's own fault line may
            # name it), else the one being finished
            said = f"{error.filename} {getattr(error, 'nwn_message', '')} {error}"
            current = next((target for temp, target in zip(temps, targets, strict=False)
                            if str(temp) in said), current)
            raise write_fault(error, current) from None
    except BaseException:
        for temp in temps:
            temp.unlink(missing_ok=True)
        raise


def _sync(path: Path) -> None:
    """Push a finished file to the disk, so that a full disk shows up here and not later."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems without fsync
            raise
    finally:
        os.close(handle)


#: errno values that mean the disk, not the input, is at fault.
_FAULTS = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
           errno.EIO: "input/output error", errno.EROFS: "read-only file system",
           errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EFBIG: "file too large"}


def fault_reason(error: BaseException) -> str:
    """A few words for what went wrong in a failed write (``"disk full"`` ...)."""
    number = getattr(error, "errno", None)
    if number in _FAULTS:
        return _FAULTS[number]
    text = str(error)
    # h5py reports HDF5's failures as OSError without errno; the C errno is in the text.
    for code, words in _FAULTS.items():
        if f"errno = {code}," in text or os.strerror(code) in text:
            return words
    if getattr(error, "strerror", None):
        return error.strerror
    return text.splitlines()[0] if text else "write failed"


def is_io_fault(error: BaseException) -> bool:
    """Whether ``error`` is a failed read or write of the disk (h5py raises some of these as
    RuntimeError, with the C errno only in the text)."""
    if isinstance(error, OSError) and getattr(error, "errno", None) in _FAULTS:
        return True
    text = str(error)
    return "file write failed" in text or "file read failed" in text or \
        any(f"errno = {code}," in text for code in _FAULTS)


def _nearly_full(folder: Path, room: int = 256 * 2**10) -> bool:
    """Whether the file system of ``folder`` has less than ``room`` bytes free."""
    import shutil

    try:
        return shutil.disk_usage(folder if str(folder) else ".").free < room
    except OSError:
        return False


def write_fault(error: BaseException, path: str | os.PathLike, *, where: str = "") -> OSError:
    """An ``OSError`` whose message is one line: ``"disk full writing FILE[ where]"``.

    Parameters
    ----------
    error : BaseException
        What the write raised.
    path : str or PathLike
        The file being written (the user's name, not a temporary one).
    where : str
        Optional context, e.g. ``"at t = 0.012 s"``.
    """
    reason = fault_reason(error)
    if reason != "disk full" and getattr(error, "errno", None) in (errno.EIO, errno.EPIPE, None) \
            and _nearly_full(Path(path).parent):
        reason = "disk full"  # a library (Qt, ffmpeg) that lost the errno: the disk says it
    message = f"{reason} writing {path}" + (f" {where}" if where else "")
    fault = OSError(getattr(error, "errno", None) or errno.EIO, message)
    fault.nwn_message = message  # the CLI prints exactly this line
    return fault
