"""Writing the main job's files: CSV text with a commented header (:func:`csv_text`), reading it back
(:func:`read_csv`), and the small text helpers the tables, figures and report share."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..storage.cache import write_atomic  # noqa: F401  (re-exported: files are written atomically)

__all__ = ["csv_text", "read_csv", "fmt_value", "to_float", "ytxt", "write_atomic"]


def fmt_value(v):
    """A CSV cell: floats by ``repr`` (they round-trip exactly), bools as True/False, None as empty."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # round-trips exactly
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return "" if v is None else v


def csv_text(rows, header_comment: str) -> str:
    """CSV text: ``# ``-commented header lines, then the rows (columns: the union of the rows' keys in
    order of first appearance); ``# (no rows)`` when there are none."""
    buf = io.StringIO()
    for line in header_comment.splitlines():
        buf.write(f"# {line}\n")
    if not rows:
        buf.write("# (no rows)\n")
        return buf.getvalue()
    fields = list(rows[0])
    for r in rows[1:]:
        fields += [k for k in r if k not in fields]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: fmt_value(r.get(k)) for k in fields})
    return buf.getvalue()


def read_csv(path):
    """Rows of a CSV written by :func:`csv_text` (comment lines skipped), values as strings."""
    lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def to_float(x):
    """``float(x)``, or NaN when ``x`` is not a number (None, empty string)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def ytxt(y, ascii=False) -> str:
    """``y → ∞`` or ``y = 3`` (``y=inf``/``y=3`` with ``ascii``, for the progress bar)."""
    y = float(y)
    if math.isinf(y):
        return "y=inf" if ascii else "y → ∞"
    return f"y={y:g}" if ascii else f"y = {y:g}"
