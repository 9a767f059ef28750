"""The state one run of the main job carries from part to part (:class:`Job`): where files go, the
cache, the mode's parameters, the guard of the theory units, the progress-bar setting, and the lists the
report is made of (failures, parts not available, simulation notes, files written)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .output import csv_text, write_atomic
from .progress import progress_bar
from .units import Guard

__all__ = ["Job"]


@dataclass
class Job:
    """One run of ``fewbits paper``.  ``failures`` are theory quantities that did not converge (exit
    status 1), ``missing`` the parts not available in this build, ``notes`` the simulation notes,
    ``written`` the files written so far (the report lists them), ``sections`` report lines that parts
    add (the dense regions)."""

    out: Path
    cache: Path
    cfg: dict
    quick: bool
    guard: Guard
    meta: str
    stream: object
    progress: bool
    t_start: float = field(default_factory=time.time)
    failures: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    written: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # report lines of parts without their own table writer

    def csv(self, name: str, rows: list, header: str) -> None:
        """Write ``rows`` to ``out/name`` (atomically), the header after the job's metadata line."""
        write_atomic(self.out / name, csv_text(rows, f"{self.meta}\n{header}"))
        self.written.append(self.out / name)

    def save(self, fig, stem: str) -> None:
        """Save a figure as ``out/stem.{pdf,png}``."""
        from . import plots

        self.written.extend(plots.save_figure(fig, self.out / stem))

    def bar(self, total: int, desc: str):
        """A progress bar on the job's stream (silent unless the job shows progress)."""
        return progress_bar(total, desc, self.stream, self.progress)
