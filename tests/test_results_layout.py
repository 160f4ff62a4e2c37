"""The results file's storage layout: chunks sized from the run's length, files about as small
as their data, and files of earlier layouts (other chunks, compression) read the same."""

import h5py
import numpy as np
import pytest
from scenarios import two_terminal

import nwn.engine as ne
from nwn.engine import results_layout
from nwn.engine.recording import HDF5Recorder
from nwn.engine.results import DATASETS, load_results
from nwn.engine.results_layout import CHUNK_BYTES, CHUNK_MAX, LAYOUT, Layout, chunk_shape

# ~1000 junctions, a junction row at every step: 21 rows of ~12 kB of junction data.
SHORT = two_terminal(n_wires=400, side=50e-6, length=7e-6, duration=0.02) + (
    "record_every = 1\njunction_every = 1\nsnapshot_every = 2\n")


def data_bytes(file):
    """Bytes of the values every dataset of an open HDF5 file holds."""
    sizes = []
    file.visititems(lambda name, item: sizes.append(item.size * item.dtype.itemsize)
                    if isinstance(item, h5py.Dataset) else None)
    return sum(sizes)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("layout") / "short.h5"
    ne.run(SHORT, output=path).close()
    return path


@pytest.mark.parametrize("rows, width, itemsize", [
    (1, None, 8), (21, None, 8), (21, 4484, 4), (21, 4484, 8), (201, 2, 8),
    (921, 1502, 8), (10**5, 4484, 8), (10**9 + 1, None, 8), (10**9 + 1, 3, 8),
    (1000, 10**6, 8), (1000, 3 * 10**6, 4), (None, None, 8), (None, 4484, 8),
    (None, 10**6, 8)])
def test_chunks_follow_the_run_length(rows, width, itemsize):
    chunks = chunk_shape(rows, width, itemsize)
    assert len(chunks) == (1 if width is None else 2)
    chunk_rows = chunks[0]
    columns = 1 if width is None else chunks[1]
    assert width is None or 1 <= columns <= width
    chunk_bytes = chunk_rows * columns * itemsize
    assert chunk_rows >= 1 and chunk_bytes <= CHUNK_MAX
    fits = max(1, CHUNK_BYTES // (columns * itemsize))  # rows of the target size
    if rows is not None:
        # Never more rows than the run writes; one chunk when the run fits in one.
        assert chunk_rows <= rows
        if rows <= fits:
            assert chunk_rows == rows
        else:
            # Half the target at least, and (brute force over those heights) none leaves
            # fewer rows of its last chunk empty.
            assert 2 * chunk_rows >= fits
            empty = [-(-rows // h) * h - rows for h in range((fits + 1) // 2, fits + 1)]
            assert -(-rows // chunk_rows) * chunk_rows - rows == min(empty)
    else:
        assert chunk_rows == fits
    if rows is None or rows * columns * itemsize >= 2 * CHUNK_BYTES:
        # A long run: chunks of about the target, not slivers.
        assert chunk_bytes >= CHUNK_BYTES // 2 - columns * itemsize


def test_a_tiny_run_gets_one_chunk_per_dataset_and_a_huge_one_many():
    assert chunk_shape(1, None, 8) == (1,)
    assert chunk_shape(21, 4484, 4) == (7, 4484)  # 3 full chunks of 126 kB, not 21 rows
    assert chunk_shape(93, 4484, 8) == (5, 4484)  # 19 chunks, 2 rows left empty (7 rows: 5)
    assert chunk_shape(201, 2, 8) == (201, 2)
    huge = chunk_shape(10**9 + 1, None, 8)
    assert CHUNK_BYTES // 2 <= huge[0] * 8 <= CHUNK_BYTES
    assert -(-(10**9 + 1) // huge[0]) * huge[0] - (10**9 + 1) < 10
    wide = chunk_shape(1000, 10**6, 8)  # a million junctions: 8 MB rows in column blocks
    assert wide[0] == 1 and wide[1] * 8 <= CHUNK_BYTES
    assert results_layout.expected_rows(200, 1) == 201 and results_layout.expected_rows(200, 10) == 21
    assert results_layout.expected_rows(None, 10) is None


def test_a_recorded_file_is_about_as_small_as_its_data(recorded):
    with h5py.File(recorded, "r") as file:
        assert file["junctions/state"].shape == (21, file["geometry/junction_edge"].shape[0])
        for d in DATASETS:
            dataset = file[d.path]
            assert dataset.maxshape[0] is None  # still growable
            assert dataset.chunks[0] <= dataset.shape[0]
            assert dataset.compression == LAYOUT.compression
        data = data_bytes(file)
    size = recorded.stat().st_size
    assert data > 300_000 and size <= 1.5 * data, (size, data)


def test_a_run_longer_than_planned_keeps_every_row(tmp_path):
    from nwn.engine.build import build_simulation
    from nwn.engine.runner import resolve_scenario

    scenario, text = resolve_scenario(SHORT)
    path = tmp_path / "longer.h5"
    # Chunks planned for 5 steps (6 rows); the run takes 20.
    recorder = HDF5Recorder.for_scenario(path, scenario, planned_steps=5)
    simulation = build_simulation(scenario, recorders=[recorder])
    simulation.run(scenario.run.duration)
    recorder.close()
    with h5py.File(path, "r") as file:
        assert file["t"].chunks == (6,)
        np.testing.assert_array_equal(file["step"][...], np.arange(21))
        assert file["junctions/state"].shape[0] == 21
        assert np.all(file["junctions/conductance"][...] > 0)


def copy_with(source, target, storage):
    """``source`` rewritten with plain h5py, its row datasets stored with ``storage(d,
    shape)`` (create_dataset keywords), everything else copied as it is."""
    with h5py.File(source, "r") as old, h5py.File(target, "w") as new:
        new.attrs.update(old.attrs)
        old.copy("geometry", new)
        for d in DATASETS:
            data = old[d.path][...]
            dataset = new.create_dataset(d.path, data=data, maxshape=(None,) + data.shape[1:],
                                         **storage(d, data.shape))
            dataset.attrs.update(old[d.path].attrs)


@pytest.mark.parametrize("storage", [
    # The layout before chunks followed the run length (docs/formats.md, git 329347e):
    # chunks of as many rows as the recorder buffered, up to 4096, no filter.
    lambda d, shape: {"chunks": (4096,) + shape[1:]},
    # Compressed files (Layout(compression=...)): gzip with shuffle, and h5py's lzf.
    lambda d, shape: Layout(compression="gzip", level=1).options(
        d.width, shape[1] if len(shape) > 1 else None, d.dtype, shape[0], 1),
    lambda d, shape: Layout(compression="lzf", level=None).options(
        d.width, shape[1] if len(shape) > 1 else None, d.dtype, shape[0], 1),
], ids=["old-chunks", "gzip", "lzf"])
def test_files_of_other_layouts_read_the_same(recorded, tmp_path, storage):
    other = tmp_path / "other.h5"
    copy_with(recorded, other, storage)
    with h5py.File(other, "r") as file, h5py.File(recorded, "r") as written:
        stored = file["junctions/state"]
        assert stored.chunks != written["junctions/state"].chunks or stored.compression
    with load_results(recorded, lazy=False) as now, load_results(other, lazy=False) as then:
        assert then.complete == now.complete
        for d in DATASETS:
            a, b = getattr(now, d.name), getattr(then, d.name)
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), d.path
        np.testing.assert_array_equal(then.snapshot_at(now.t[-1]).junction_conductance,
                                      now.snapshot_at(now.t[-1]).junction_conductance)
