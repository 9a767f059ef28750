"""Progress bars of the main job (tqdm on a stream, stderr by default).

Shown when asked (``progress=True``, ``fewbits paper --progress``), hidden when ``progress=False``; with
``progress=None`` (the default) shown only when the stream is a terminal, so logs and captured output
stay free of carriage-return bars.
"""
from __future__ import annotations

import io
import os

from tqdm import tqdm

__all__ = ["show_progress", "progress_bar", "step"]


def show_progress(progress, stream) -> bool:
    """Whether bars are drawn on ``stream``: ``progress`` itself when it is True/False; with None, whether
    ``stream`` is a terminal (a stream without ``isatty``, or a closed one, counts as not a terminal)."""
    if progress is not None:
        return bool(progress)
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


def _fixed_size(stream):
    """None when the bar can follow the terminal's size; (100 columns, 20 rows) when ``stream`` is a
    terminal that reports 0 columns (a pseudo-terminal without a size), where tqdm would draw empty lines."""
    try:
        cols = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return None
    return None if cols > 0 else (100, 20)


def progress_bar(total: int, desc: str, stream, show: bool) -> tqdm:
    """A tqdm bar of ``total`` steps titled ``desc`` on ``stream``; silent (nothing written) unless ``show``.
    Use it as a context manager and advance it with :func:`step`."""
    size = _fixed_size(stream) if show else None
    ncols, nrows = size if size else (None, None)
    return tqdm(total=int(total), desc=f"{desc:<14}", file=stream, disable=not show, leave=True,
                dynamic_ncols=size is None, ncols=ncols, nrows=nrows, mininterval=0.1, unit="unit")


def step(bar: tqdm, label="") -> None:
    """One step done: ``label`` (what was just computed) is shown after the counts."""
    bar.set_postfix_str(str(label)[:40], refresh=False)
    bar.update(1)
