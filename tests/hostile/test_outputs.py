"""Several outputs of one command are written all or none (nwn plot -o FIG --csv CSV)."""

from __future__ import annotations

import errno

import pytest
from hostile_support import BASE

from nwn.app.cli.main import main
from nwn.engine.output_files import atomic_paths, is_partial_file


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plot")
    (folder / "s.toml").write_text(BASE)
    assert main(["run", str(folder / "s.toml"), "-o", str(folder / "r.h5"), "-q"]) == 0
    return folder / "r.h5"


def test_a_failed_csv_leaves_no_figure(results, tmp_path, capsys, monkeypatch):
    from nwn.app.render import export

    def full_disk(path, _results):
        path.write_text("t_s,G_S\n0,")  # part of it, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(export, "write_traces_csv", full_disk)
    figure, table = tmp_path / "p.png", tmp_path / "t.csv"
    assert main(["plot", str(results), "-o", str(figure), "--csv", str(table)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"nwn: error: disk full writing {table}"], err
    assert list(tmp_path.iterdir()) == []  # neither file, no temporary one


def test_both_outputs_are_replaced_together(results, tmp_path, capsys):
    figure, table = tmp_path / "p.png", tmp_path / "t.csv"
    figure.write_bytes(b"old figure")
    table.write_text("old table")
    assert main(["plot", str(results), "-o", str(figure), "--csv", str(table), "--force"]) == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert table.read_text().startswith("#") or table.read_text().startswith("t_s")
    assert not [p for p in tmp_path.iterdir() if is_partial_file(p)]


def test_atomic_paths_renames_nothing_when_one_is_empty(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("kept")
    with pytest.raises(OSError, match=f"writing {b}"):
        with atomic_paths(a, b) as (ta, tb):
            ta.write_text("new")
            tb.write_text("")  # a writer that silently wrote nothing
    assert a.read_text() == "kept" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("time,expected", [("-1", "--time must be >= 0 (got -1)"),
                                           ("nan", "--time must be a finite number (got nan)")])
def test_export_refuses_an_instant_no_file_has(results, tmp_path, hostile, time, expected):
    # (both were taken as the first junction row, silently)
    _, line = hostile(["export", results, "--time", time, "--spice", tmp_path / "n.cir"])
    assert line == f"nwn: error: {expected}", line
    assert not (tmp_path / "n.cir").exists()
