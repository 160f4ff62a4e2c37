"""numba's kernel cache kept true to the sources (nwn.geometry.kernel_cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from nwn.geometry.kernel_cache import STAMP_NAME, refresh


def layers(root: Path) -> dict[str, Path]:
    """geometry/, engine/ and app/ folders with a source file and a cached index each."""
    made = {}
    for layer in ("geometry", "engine", "app"):
        folder = root / layer / "sub"
        (folder / "__pycache__").mkdir(parents=True)
        (folder / "module.py").write_text("x = 1\n")
        (folder / "__pycache__" / "module.kernel-1.py311.nbi").write_bytes(b"index")
        made[layer] = folder
    return made


def cached(folder: Path) -> bool:
    return (folder / "__pycache__" / "module.kernel-1.py311.nbi").exists()


def test_a_change_drops_the_caches_of_its_layer_and_those_above_it(tmp_path):
    folders = layers(tmp_path)
    # no stamp yet: caches of unknown sources are dropped, and the stamps recorded
    assert refresh(tmp_path) == ["geometry", "engine", "app"]
    assert (tmp_path / "engine" / "__pycache__" / STAMP_NAME).exists()
    for folder in folders.values():
        (folder / "__pycache__" / "module.kernel-1.py311.nbi").write_bytes(b"index")
    assert refresh(tmp_path) == []  # nothing changed: every cache kept
    assert all(cached(f) for f in folders.values())
    (folders["engine"] / "module.py").write_text("x = 22\n")
    assert refresh(tmp_path) == ["engine", "app"]
    assert cached(folders["geometry"]) and not cached(folders["engine"])
    assert not cached(folders["app"])
    (folders["geometry"] / "new.py").write_text("")  # a file added counts too
    assert refresh(tmp_path) == ["geometry", "engine", "app"]


def test_a_tree_it_cannot_write_is_left_as_it_is(tmp_path, monkeypatch):
    # (a read-only install; simulated, since the suite may run as root, which ignores modes)
    folders = layers(tmp_path)

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refused)
    assert refresh(tmp_path) == []
    assert all(cached(f) for f in folders.values())
    assert not list(tmp_path.rglob(STAMP_NAME))  # nothing recorded: tried again next time


CALLER = """
import numba
from callee import value

@numba.njit(cache=True)
def caller():
    return value()
"""


def run(root: Path, refreshed: bool) -> str:
    """Call the cached kernel in a fresh process, refreshing the cache first or not."""
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(root / 'engine')!r})
        if {refreshed}:
            from nwn.geometry.kernel_cache import refresh
            refresh(Path({str(root)!r}))
        from caller import caller
        print(caller())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "NUMBA_CACHE_DIR": ""})
    return out.stdout.strip()


def write_callee(root: Path, value: int, padding: str = "") -> None:
    (root / "engine" / "callee.py").write_text(
        f"import numba\n\n\n@numba.njit(cache=True)\ndef value():\n"
        f"    return {value}{padding}\n")


def test_a_kernel_whose_callee_changed_in_another_file_is_compiled_afresh(tmp_path):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "caller.py").write_text(CALLER)
    write_callee(tmp_path, 1)
    assert run(tmp_path, refreshed=True) == "1"
    # the callee's file changes, the caller's does not: numba alone keeps the old code
    write_callee(tmp_path, 2, padding="  # changed")
    assert run(tmp_path, refreshed=False) == "1"
    # with the refresh the caller is compiled afresh, and so stays after it
    write_callee(tmp_path, 3, padding="  # changed again")
    assert run(tmp_path, refreshed=True) == "3"
    assert run(tmp_path, refreshed=True) == "3"
