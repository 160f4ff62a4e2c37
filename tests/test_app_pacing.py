"""Frame pacing keeps drawing under its share of wall time."""

import pytest

from nwn.app.models.pacing import FramePacer
from nwn.geometry.checks import InputError


def test_cheap_frames_run_at_display_rate():
    pacer = FramePacer(budget=0.1, min_interval=1 / 30)
    for _ in range(10):
        pacer.record(0.001)
    assert pacer.interval == pytest.approx(1 / 30)


def test_expensive_frames_stretch_the_interval_to_the_budget():
    pacer = FramePacer(budget=0.1, min_interval=1 / 30, max_interval=2.0)
    for _ in range(50):
        pacer.record(0.025)
    # 25 ms of drawing every 250 ms: a tenth of wall time.
    assert pacer.interval == pytest.approx(0.25, rel=1e-6)
    assert pacer.cost / pacer.interval == pytest.approx(0.1, rel=1e-6)
    for _ in range(50):
        pacer.record(10.0)
    assert pacer.interval == 2.0  # capped: huge networks still update


def test_bad_budget_is_refused():
    with pytest.raises(InputError, match="budget must be in"):
        FramePacer(budget=1.5)
