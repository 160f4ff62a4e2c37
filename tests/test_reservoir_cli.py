"""``nwn reservoir``: JSON and table output, exit code 2 and one line on bad input."""

from __future__ import annotations

import json

import pytest
from rc_reservoirs import MEASURED

from nwn.app.cli.main import main


def test_score_json_matches_the_reference(capsys):
    assert main(["reservoir", "score", str(MEASURED), "--task", "memory-capacity",
                 "--input-pad", "8", "--ground-pad", "17", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "memory-capacity"
    assert data["score"] == pytest.approx(2.8945558220044645, abs=1e-6)
    assert len(data["per_delay"]) == 30 and data["per_delay"][0] == pytest.approx(0.98879, abs=1e-5)
    assert data["feature_pads"] == [str(p) for p in range(9, 24) if p != 17]


def test_score_table(capsys):
    assert main(["reservoir", "score", str(MEASURED), "--task", "nlt", "--input-pad", "8",
                 "--target", "triangle", "--alpha", "cv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["task", "nlt"]
    assert "(accuracy)" in out and "triangle_nmse" in out
    assert main(["reservoir", "score", str(MEASURED), "--task", "memory-capacity",
                 "--input-pad", "8", "--max-delay", "5"]) == 0
    out = capsys.readouterr().out
    assert "tau  MC(tau)" in out and len(out.split("tau  MC(tau)")[1].split("\n")) == 7


@pytest.mark.parametrize("argv, message", [
    (["--task", "memory-kapacity", "--input-pad", "8"], "unknown task 'memory-kapacity'"),
    (["--task", "nlt", "--input-pad", "99"], "pad '99' is not in the recording"),
    (["--task", "nlt", "--input-pad", "8", "--ground-pad", "8"], "both the input and a ground"),
    (["--task", "nlt", "--input-pad", "8", "--alpha", "-1"], "--alpha must be >= 0"),
    (["--task", "memory-capacity", "--input-pad", "8", "--max-delay", "2900"],
     "needs at least"),
    (["--task", "waveform-classification", "--input-pad", "8"], "cannot be scored"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(["reservoir", "score", str(MEASURED)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nwn: error: ") and message in err and err.count("\n") == 1


def test_bad_recording_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("t 8_V[V]\n0 1\n")
    assert main(["reservoir", "score", str(bad), "--task", "nlt", "--input-pad", "8"]) == 2
    assert "header starts with 't'" in capsys.readouterr().err
