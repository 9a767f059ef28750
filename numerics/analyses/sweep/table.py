"""The tidy table of a sweep: one row per grid point, every parameter and the diagnostics, written as
CSV (always) and Parquet (when pyarrow is installed).

CSV cells: floats by ``repr`` (they read back exactly; ``inf``, ``nan``), booleans True/False; a
commented first line states the quantity and the package version.  Files are written atomically.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import List, Sequence

__all__ = ["csv_text", "write_table", "read_table", "have_parquet"]


def _cell(v):
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return "" if v is None else str(v)


def csv_text(rows: Sequence[dict], columns: Sequence[str], comment: str = "") -> str:
    buf = io.StringIO()
    for line in comment.splitlines():
        buf.write(f"# {line}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def have_parquet() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_table(rows: Sequence[dict], columns: Sequence[str], path, comment: str = "") -> List[Path]:
    """``path`` as CSV (a ``.csv`` suffix added when missing) and, with pyarrow, the same table as
    ``.parquet`` beside it.  Returns the files written."""
    from ...storage.cache import write_atomic

    path = Path(path)
    if path.suffix.lower() in (".csv", ".parquet"):
        path = path.with_suffix("")
    csv_path = path.with_name(path.name + ".csv")
    write_atomic(csv_path, csv_text(rows, columns, comment))
    out = [csv_path]
    if have_parquet():
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq_path = path.with_name(path.name + ".parquet")
        tmp = pq_path.with_name(f".{pq_path.name}.tmp")
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        pq.write_table(table.replace_schema_metadata({"comment": comment}), tmp)
        tmp.replace(pq_path)
        out.append(pq_path)
    return out


def read_table(path) -> List[dict]:
    """The rows of a sweep CSV, numbers as floats (ints where whole and integral), booleans as bool."""
    lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]

    def conv(v: str):
        if v in ("True", "False"):
            return v == "True"
        try:
            x = float(v)
        except ValueError:
            return v
        return int(v) if v.lstrip("-").isdigit() else x

    return [{k: conv(v) for k, v in r.items()} for r in csv.DictReader(lines)]

