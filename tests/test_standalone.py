"""The project stands on its own: no file depends on a folder beside the repository.

Data, docs and references the project needs are shipped inside it (`resources/validation/`,
`docs/`); a plain clone with nothing next to it must run every README command and every test.
"""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nwn.resources import list_validation, validation_path

ROOT = Path(__file__).resolve().parents[1]
SIBLING = "sha" + "red"  # spelled apart so this file does not match its own patterns
FORBIDDEN = re.compile(
    "|".join([
        re.escape(".." + "/" + SIBLING),
        re.escape(".." + "\\" + SIBLING),
        re.escape("/work/" + SIBLING),
        re.escape(SIBLING + "/") + r"(validation|reference|DESIGN)",
        re.escape("DESIGN" + ".md"),  # the neighbour's design notes; ours are docs/physics.md
        # a path built upwards out of the repository into the neighbour folder
        r"parents\[\d+\]\s*/\s*[\"']" + SIBLING + r"[\"']",
        r"[\"']\.\.[\"']\s*,\s*[\"']" + SIBLING + r"[\"']",
    ]).encode()
)
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist"}


def _tracked_files() -> list[Path]:
    """Files under version control; every file of the tree when git is not there (an sdist)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            files += [Path(folder) / n for n in names]
        return files
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_file_reaches_for_a_folder_beside_the_repository():
    files = [path for path in _tracked_files() if path.is_file()]
    assert len(files) > 50  # the listing found the tree
    offenders = []
    for path in files:
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, "files depend on a folder beside the repository: " + ", ".join(
        offenders)


def test_the_pattern_catches_what_it_is_for():
    for text in [f"nwn fit ../{SIBLING}/validation/x.txt", f"See `../{SIBLING}/DESIGN" ".md`",
                 f'Path(__file__).parents[2] / "{SIBLING}" / "validation"',
                 f'os.path.join(here, "..", "{SIBLING}")', f"/work/{SIBLING}/reference/a.md",
                 "Nodal analysis (DESIGN" + ".md, Kirchhoff)"]:
        assert FORBIDDEN.search(text.encode()), text
    for text in ["shared by every layer", "a shared time axis", "resources/validation/a.txt"]:
        assert not FORBIDDEN.search(text.encode()), text


def test_validation_data_are_shipped_with_their_provenance():
    names = list_validation()
    assert {"milano2022_pulse_2V.txt", "montano2022_pulse_2V.txt",
            "inrim2024_memory_capacity_pad129M.txt", "mnns_hp_dc.npz"} <= set(names)
    readme = (validation_path(names[0]).parent / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"## {name}" in readme, f"{name} has no provenance section"
        assert validation_path(name).stat().st_size > 10_000
    with pytest.raises(ValueError, match="validation file 'nope.txt' does not exist"):
        validation_path("nope.txt")


def test_shipped_files_hold_what_their_readme_says():
    milano = np.loadtxt(validation_path("milano2022_pulse_2V.txt"))
    assert milano.shape == (3001, 5)
    g = milano[:, 1] / milano[:, 2]
    np.testing.assert_allclose(milano[:, 4], g, rtol=1e-6)  # the G column is I/V
    assert g[0] == pytest.approx(0.819e-3, rel=1e-3)
    assert g[2000] == pytest.approx(2.10e-3, rel=2e-3)  # end of the 2 V pulse
    montano = np.loadtxt(validation_path("montano2022_pulse_2V.txt"))
    assert montano.shape == (3000, 3)
    np.testing.assert_allclose(montano[:, 1] / montano[:, 2], g[1:], rtol=2e-3)  # same run
    with validation_path("inrim2024_memory_capacity_pad129M.txt").open() as handle:
        header = handle.readline().split()
    assert header[0] == "Time[s]" and len(header) == 1 + 2 * 16
    assert header[1:3] == ["8_V[V]", "8_I[A]"] and header[-1] == "23_I[A]"
    with np.load(validation_path("mnns_hp_dc.npz")) as run:
        assert run["x_t"].shape == (504, 121) and run["wires_m"].shape == (120, 2, 2)
        assert run["source_current_A"][0] == pytest.approx(5.835e-3, rel=1e-3)
