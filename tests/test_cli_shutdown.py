"""The ``nwn`` process ends without the interpreter's teardown only when nothing is lost.

Each case runs in a fresh interpreter that calls :func:`nwn.app.cli.shutdown.leave` with exit
code 3 and then, should ``leave`` return, exits with code 5: the exit code says which way the
process ended.
"""

import subprocess
import sys

import h5py
import pytest

_LEAVE = """
import atexit, sys
from pathlib import Path
from nwn.app.cli import shutdown
marker = Path(sys.argv[1])
atexit.register(marker.write_text, "atexit ran")
sys.stdout.write("buffered, no newline")
{setup}
shutdown.leave(3)
sys.exit(5)
"""


def _run(tmp_path, setup=""):
    marker = tmp_path / "marker.txt"
    result = subprocess.run([sys.executable, "-c", _LEAVE.format(setup=setup), str(marker)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.stderr == ""
    return result, marker


def test_leave_ends_the_process_after_flushing_and_the_exit_handlers(tmp_path):
    result, marker = _run(tmp_path)
    assert result.returncode == 3
    assert result.stdout == "buffered, no newline"
    assert marker.read_text() == "atexit ran"


@pytest.mark.parametrize("setup", [
    # the interpreter would wait for it
    "import threading, time\nthreading.Thread(target=time.sleep, args=(0.2,)).start()",
    # only the HDF5 library's own C exit handler would close (and flush) it
    "import h5py\nopen_file = h5py.File(str(marker.with_suffix('.h5')), 'w')\n"
    "open_file['x'] = [1.0, 2.0]",
    # cProfile writes its report after the program returns
    "import cProfile\ncProfile.Profile().enable()",
    "sys.settrace(lambda *args: None)",
])
def test_leave_takes_the_ordinary_exit_when_something_still_needs_it(tmp_path, setup):
    result, marker = _run(tmp_path, setup)
    assert result.returncode == 5
    assert result.stdout == "buffered, no newline"
    assert marker.read_text() == "atexit ran"
    if "h5py" in setup:
        with h5py.File(marker.with_suffix(".h5"), "r") as written:
            assert written["x"][:].tolist() == [1.0, 2.0]


def test_a_daemon_thread_or_a_closed_hdf5_file_does_not_hold_it(tmp_path):
    result, marker = _run(tmp_path, (
        "import threading, time, h5py\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        "h5py.File(str(marker.with_suffix('.h5')), 'w').close()"))
    assert result.returncode == 3
    assert marker.read_text() == "atexit ran"


_COMMAND = """
import sys
from nwn.app.cli.main import main
sys.argv = ["nwn", "presets"]
code = main()  # the program itself (no argv): it may end the process here
sys.exit(5)
"""


def test_the_nwn_command_leaves_early_with_its_output_complete():
    result = subprocess.run([sys.executable, "-c", _COMMAND], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0
    assert "two_terminal_pulse" in result.stdout
    assert result.stderr == ""
