"""The radius curve α(d): for each distance d, the largest load at which the y → ∞ small-d branch still
reaches d (:func:`numerics.analyses.branches.dense_region_limit`), at the distances of
:data:`RADIUS_DISTANCES`, cached on disk beside α_U.

Above α_U (the gap opening, :mod:`numerics.analyses.alpha_u`) the dense regions survive with a radius
that shrinks as α grows: α(d) falls towards α_U as d rises to where the gap opens.  Binary synapses: the
literature's α_U ≈ 0.77 lies on this curve near d ≈ 0.012.

Each distance ends with one of four statuses (``status`` of a row):

* ``"radius"``: the small-d branch ends at d at ``alpha`` (bracket ``interval``);
* ``"above the dip"``: d lies above the dip of the slope dS_I/dd, where the branch continued in α from
  0.85 α_c is the large-d one (its start passes d at ``alpha``, or it reaches α_c without an end): the
  gap opens below d, and the radius curve is not defined there;
* ``"failed"``: no converged start, or a bracket wider than its tolerance (a solver failure);
* ``"inconsistent"``: a row that breaks the order the physics imposes on the curve (α(d) falls as d
  grows; every distance above the dip lies above every distance of the curve), which means the
  continuation lost its branch or took one branch for the other near the gap.  Counted as a failure.
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence

from theory.states import parse_states

__all__ = ["RADIUS_DISTANCES", "radius_curve", "radius_cache_key", "cached_radius_curve", "radius_row_status",
           "check_order"]

#: the distances of the radius curve in the main job and ``fewbits alpha-u --radius`` tables
RADIUS_DISTANCES = (0.02, 0.015, 0.0125, 0.01, 0.0075, 0.005)
#: where the continuation in α starts, in units of α_c: below α_U for every set of the α_U table
#: (α_U/α_c ≥ 0.906, binary), five steps of 0.01 α_c shorter than the default 0.8
ALPHA_FROM = 0.85


def radius_row_status(r: dict) -> str:
    """``"radius"``, ``"above the dip"`` or ``"failed"`` for one row of :func:`radius_curve` (module
    docstring; :func:`check_order` may then mark a row ``"inconsistent"``)."""
    if r["success"]:
        return "radius"
    if r.get("branch") == "large-d" or (math.isnan(r["alpha"]) and "no end found" in r["message"]):
        return "above the dip"
    return "failed"


def radius_curve(states, ds: Sequence[float] = RADIUS_DISTANCES, *,
                 progress: Optional[Callable] = None) -> List[dict]:
    """The radius curve at the distances ``ds``: one row per d (the fields of
    :class:`~numerics.analyses.branches.DenseRegionLimit` without its path, plus ``status``, see the
    module docstring, and ``steps``, the loads tried).  ``progress(d, alpha, point)`` after every load."""
    from ..problems.equilibrium import capacity
    from ..problems.large_y_path import MEMO
    from .branches import dense_region_limit

    states = parse_states(states)
    ac = capacity(states).alpha_c
    rows = []
    for d in ds:
        MEMO.clear()  # each distance as a call of its own: the same loads, the same answer
        r = dense_region_limit(states, float(d), alpha_from=round(ALPHA_FROM * ac, 6),
                               progress=None if progress is None else (lambda a, p, d=d: progress(d, a, p)))
        row = {k: v for k, v in r.as_dict().items() if k != "path"}
        row["steps"] = len(r.path)
        row["status"] = radius_row_status(row)
        rows.append(row)
    return check_order(rows)


def check_order(rows: List[dict]) -> List[dict]:
    """Mark as ``"inconsistent"`` the rows that break the curve's order (module docstring): a "radius"
    row whose α is not above that of every larger d of the curve (beyond both brackets), or that lies
    above the smallest d marked "above the dip".  Returns the rows."""
    curve = sorted((r for r in rows if r["status"] == "radius"), key=lambda r: r["d"])
    dips = [r["d"] for r in rows if r["status"] == "above the dip"]
    for i, r in enumerate(curve):
        larger = [q for q in curve[i + 1:] if q["status"] == "radius"]
        if any(r["interval"][1] < q["interval"][0] for q in larger) or (dips and r["d"] > min(dips)):
            r["status"] = "inconsistent"
            r["message"] += ("; inconsistent with the other distances (alpha(d) must fall as d grows, and the "
                             "curve lies below the distances above the dip)")
    return rows


def radius_cache_key(states, ds: Sequence[float] = RADIUS_DISTANCES) -> dict:
    """The on-disk cache key (:mod:`numerics.storage.cache`) of the radius curve of ``states``."""
    from .branches import CRITERION

    return {"kind": "radius_curve", "states": parse_states(states).name, "ds": [float(d) for d in ds],
            "criterion": CRITERION, "start": "0.85 alpha_c, steps 0.01 alpha_c, xtol 5e-4", "version": 4}


def cached_radius_curve(states, cache=None, *, ds: Sequence[float] = RADIUS_DISTANCES,
                        compute_missing: bool = True, progress: Optional[Callable] = None) -> Optional[List[dict]]:
    """:func:`radius_curve` read from the cache folder ``cache`` when it holds it, else computed and
    stored there.  With ``compute_missing=False`` only a cached curve is returned (None when there is
    none)."""
    from ..storage.cache import cached, load

    key = radius_cache_key(states, ds)
    if not compute_missing:
        return load(cache, key)[1] if cache is not None else None
    return cached(cache, key, lambda: radius_curve(states, ds, progress=progress))
