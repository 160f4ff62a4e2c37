"""The one progress bar of the command line: redraws in place on a terminal, short in logs."""

import io
import re

from nwn.app.cli.progress import ERASE_TO_END, ProgressBar


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def screen(text: str) -> list[str]:
    """What a terminal shows for ``text``: carriage return, newline and erase-to-end-of-line
    (ESC [ K) interpreted; any other escape sequence is an error."""
    lines, line, column = [], [], 0
    for token in re.findall(r"\x1b\[K|\x1b|\r|\n|[^\x1b\r\n]", text):
        if token == ERASE_TO_END:
            del line[column:]
        elif token == "\x1b":
            raise AssertionError(f"unexpected escape sequence in {text!r}")
        elif token == "\r":
            column = 0
        elif token == "\n":
            lines.append("".join(line))
            line, column = [], 0
        else:
            if column < len(line):
                line[column] = token
            else:
                line.append(token)
            column += 1
    return lines + ["".join(line)]


def test_terminal_redraw_leaves_nothing_of_a_longer_line_behind():
    stream = Terminal()
    bar = ProgressBar("run", stream=stream, width=10)
    bar(0.5, "a long message that the next draw does not repeat")
    bar(0.6, "short")
    visible = screen(stream.getvalue())
    assert len(visible) == 1
    assert re.fullmatch(r"run \[######\.\.\.\.\]  60%  short  eta \d+ s", visible[0]), visible


def test_terminal_line_ends_once_done():
    stream = Terminal()
    bar = ProgressBar("run", stream=stream, width=4)
    for k in range(1, 5):
        bar.count(k, 4)
    visible = screen(stream.getvalue())
    assert visible[-1] == ""  # the cursor is on a fresh line
    assert visible[:-1] == [visible[0]] and visible[0].startswith("run [####] 100%  4/4  eta 0 s")


def test_log_stream_gets_one_plain_line_per_tenth():
    stream = io.StringIO()
    bar = ProgressBar("movie frames", stream=stream)
    for k in range(1, 201):
        bar.count(k, 200)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # the first draw, then 10 %, 20 %, ..., 100 %
    assert "\x1b" not in stream.getvalue() and "\r" not in stream.getvalue()
    assert lines[0].startswith("movie frames [") and "  1/200  " in lines[0]
    assert "  20/200  " in lines[1]
    assert "100%  200/200" in lines[-1]


def test_unknown_eta_before_any_progress():
    stream = io.StringIO()
    ProgressBar("run", stream=stream)(0.0, 0.0)
    assert stream.getvalue().rstrip().endswith("t=0 s  eta ?")
