"""Converged y → ∞ points kept on disk between processes: the cached path of the cold calls.

A cold call of :func:`numerics.problems.large_y.solve_large_y` spends most of its time reaching the
requested d (an anchor solve and a path in d, :mod:`numerics.problems.large_y_path`).  The points it
converged on the way are kept in this process (``MEMO``) and, through this module, in the user cache
folder, so that the next process asked for the same problem (state set, prior, distance, κ, α,
quadrature) at a neighbouring d starts from the stored point nearest in log d.

**Never a stored value.**  A stored point is only a start: it is solved again at its own d by Newton
with a fresh finite-difference Jacobian (the "revival", about n + 1 evaluations of the map) before it
is used, and the requested point is then solved from it.  Every number a call returns is computed and
checked in that call; a stored point that no longer converges is dropped.

**Where.**  ``<cache folder>/paths/<hash>.json`` (:func:`theory.codecache.cache_folder`: ``$FEWBITS_CACHE``
or the platform's user cache folder), one file per problem.  The hash covers the problem key, the
fewbits version and the bytes of the modules that define the equations and their solution
(``theory/`` and ``numerics/problems``, ``numerics/solver``): a changed solver is a new file.  The file
holds the key's text, that version and the points ``{"d": …, "params": {…}}``; a file that does not
parse or whose key or version differ is ignored and replaced.  Writes are atomic (a temporary file
moved into place); two processes writing at once each leave a complete file.

**Off.**  ``FEWBITS_PATH_CACHE=0`` in the environment (the test suite sets it, so that a cold call's
route does not depend on what an earlier test left on disk), or an unwritable folder (then nothing is
kept, silently: the points are a convenience, not a result).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Hashable, List, Optional, Tuple

__all__ = ["ENV", "enabled", "folder", "load", "save", "nearest"]

ENV = "FEWBITS_PATH_CACHE"
FORMAT = "fewbits-path-1"
MAX_POINTS = 400  # per problem (the oldest dropped first)


def enabled() -> bool:
    return os.environ.get(ENV, "").strip() not in ("0", "off", "no", "false")


@lru_cache(maxsize=None)
def _version() -> str:
    """The fewbits version and a hash of the sources that decide a solution (module docstring)."""
    from theory.codecache import code_version

    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256(code_version().encode())
    for folder in (root / "theory", root / "numerics" / "problems", root / "numerics" / "solver"):
        for f in sorted(folder.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def folder() -> Path:
    """``<cache folder>/paths`` (:func:`theory.codecache.cache_folder`)."""
    from theory.codecache import cache_folder

    return cache_folder() / "paths"


def _file(key: Hashable) -> Path:
    digest = hashlib.sha256(f"{FORMAT}\0{_version()}\0{key!r}".encode()).hexdigest()[:32]
    return folder() / f"{digest}.json"


def load(key: Hashable) -> List[Tuple[float, dict]]:
    """The stored (d, params) of the problem ``key``, [] if none (or the file is stale or damaged)."""
    if not enabled():
        return []
    try:
        data = json.loads(_file(key).read_text())
        if data.get("format") != FORMAT or data.get("key") != repr(key) or data.get("version") != _version():
            return []
        out = []
        for p in data["points"]:
            d, params = float(p["d"]), {str(k): float(v) for k, v in p["params"].items()}
            if 0 < d < 1 and all(math.isfinite(v) for v in params.values()):
                out.append((d, params))
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def nearest(key: Hashable, d: float) -> Optional[Tuple[float, dict]]:
    """The stored point of ``key`` nearest to d in log d, or None."""
    pts = load(key)
    return min(pts, key=lambda p: abs(math.log(p[0] / d))) if pts else None


def save(key: Hashable, points) -> None:
    """Merge the converged ``points`` (LocalEntropyPoints with a saddle) into the problem's file."""
    if not enabled():
        return
    new = [(float(p.d), dict(p.saddle.params)) for p in points
           if p.saddle is not None and p.converged and all(math.isfinite(v) for v in p.saddle.params.values())]
    if not new:
        return
    old = [q for q in load(key) if all(abs(q[0] - d) > 1e-12 * d for d, _ in new)]
    pts = sorted((old + new)[-MAX_POINTS:], key=lambda q: q[0])
    body = json.dumps({"format": FORMAT, "key": repr(key), "version": _version(),
                       "points": [{"d": d, "params": params} for d, params in pts]})
    path, tmp = _file(key), None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(body)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
