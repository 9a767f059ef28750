"""One chunk of a sweep: its points solved in order, each warm-started by the previous one, each
cached on disk as it is done (:mod:`numerics.storage.cache`).

A point's cache key holds the quantity, the point's parameters and ``after``: the chain values of
the points solved before it in its chunk (its warm start depends on them).  The cached value holds
the row and ``warm``, what the next point starts from (the saddle point's parameters, the Jacobian,
and at y = inf the slope of the curve).  Both pass through JSON, which round-trips floats exactly, so
a chunk resumed from the cache continues with the very numbers it would have had: the table of an
interrupted and resumed sweep equals that of an uninterrupted one, bit for bit.

Every task starts by emptying the process' memo of y → ∞ points
(:data:`numerics.problems.large_y_path.MEMO`), so that no result depends on what the worker computed
before.  One exception to "resumed = uninterrupted, bit for bit": at y = inf, a point whose warm
solve fails is solved cold, and a cold y → ∞ solve starts from the memo's nearest point, which holds
this chunk's earlier points in an uninterrupted run but not in a resumed one; such a point can then
differ within the solver's tolerance.
"""
from __future__ import annotations

import math
import time
from typing import List, Optional, Tuple

import numpy as np

from .grid import QUANTITIES, Chunk

__all__ = ["run_chunk", "point_key", "warm_up", "derivations"]

KEY_VERSION = "sweep-1"


def point_key(quantity: str, point: dict, after: List[float]) -> dict:
    """The cache key of one point (``after``: the chain values solved before it in its chunk)."""
    key = {"kind": f"sweep-{quantity}", "format": KEY_VERSION, **point, "distance": "squared"}
    if QUANTITIES[quantity].chain is not None and QUANTITIES[quantity].seeded:
        key["after"] = [float(v) for v in after]
    return key


def _diag(res) -> dict:
    """converged, residual, iterations, message of a SaddleResult or a LocalEntropyPoint."""
    return {"converged": bool(res.converged), "residual": float(res.residual),
            "iterations": int(res.iterations), "message": str(res.message)}


def _entropy(p: dict, warm: Optional[dict]) -> dict:
    from ...problems.equilibrium import solve_equilibrium

    r = solve_equilibrium(p["states"], p["alpha"], kappa=p["kappa"], f_out=p["f_out"],
                          init=(warm or {}).get("params"))
    return {"s": r.value, "ds_dalpha": r.parts.get("G_E", math.nan), "q": r.params["q"], "Q": r.params["Q"],
            **_diag(r), "warm": {"params": dict(r.params)} if r.converged else warm}


def _capacity(p: dict, warm) -> dict:
    from ...problems.equilibrium import capacity

    c = capacity(p["states"], kappa=p["kappa"], f_out=p["f_out"])
    res = c.saddle
    return {"alpha_c": c.alpha_c, "s_at_alpha_c": c.entropy, "q": c.q, "Q": c.Q, "converged": bool(c.converged),
            "residual": res.residual if res is not None else math.nan, "iterations": int(c.iterations),
            "message": c.message}


def _franz_parisi(p: dict, warm=None) -> dict:
    """One cold solve.  :func:`numerics.problems.franz_parisi.franz_parisi_curve` tries the neighbour's
    solution first and solves cold when that fails, which it does: binary, α = 0.5, d = 0.2 → 0.15
    (the map is not finite at the neighbour's q1 in the new d's frame), and at 5 of 5 steps of
    d = 0.2 … 0.03 (6.4 s chained against 3.6 s cold).  The cold solve is the curve's result."""
    from ...problems.franz_parisi import solve_franz_parisi

    r = solve_franz_parisi(p["states"], p["alpha"], p["d"], kappa=p["kappa"], f_out=p["f_out"])
    row = r.as_dict()
    return {"S_I": row["S_I"], "s_eq": r.Sigma, **_diag(r)}


def _finite_y(p: dict, warm: Optional[dict]) -> dict:
    """As the continuation of :func:`numerics.problems.local_entropy.local_entropy_curve`."""
    from ...problems.local_entropy import solve_local_entropy

    kw = dict(reference=p["reference"], kappa=p["kappa"], f_out=p["f_out"])
    init = (warm or {}).get("params")
    jac = np.asarray(warm["jacobian"]) if warm and warm.get("jacobian") is not None else None
    r = solve_local_entropy(p["states"], p["alpha"], p["d"], p["y"], init=init, jacobian=jac, **kw)
    if not r.converged and init is not None:
        r2 = solve_local_entropy(p["states"], p["alpha"], p["d"], p["y"], **kw)
        r = r2 if r2.converged else r
    row = r.as_dict()
    nxt = warm
    if r.converged:
        nxt = {"params": dict(r.saddle.params),
               "jacobian": None if r.jacobian is None else np.asarray(r.jacobian).tolist()}
    return {"S_I": row["S_I"], "Sigma": row["Sigma"], "phi": row["phi"], "slope": math.nan, **_diag(r), "warm": nxt}


def _large_y(p: dict, warm: Optional[dict]) -> dict:
    """As :func:`numerics.problems.large_y.large_y_curve` (sweep down): the secant predictor through the
    converged points so far, one Newton attempt only near the branch's end (slope → 0+)."""
    from ...problems.large_y import _param, near_branch_end, slope, solve_large_y
    from ...solver.continuation import SecantPredictor

    warm = warm or {"history": [], "slopes": [], "ended": False}
    predictor = SecantPredictor(_param("squared"))
    for d, params in warm["history"]:
        predictor.add(d, params)
    init = warm["history"][-1][1] if warm["history"] else None
    jac = np.asarray(warm["jacobian"]) if warm.get("jacobian") is not None else None
    slopes, ended = warm["slopes"], warm["ended"]
    near_end = jac is not None and bool(slopes) and (ended or near_branch_end(slopes[-1], slopes))
    kw = dict(kappa=p["kappa"])
    r = solve_large_y(p["states"], p["alpha"], p["d"], init=predictor.predict(p["d"]) or init, jacobian=jac,
                      newton_only=near_end, **kw)
    if not r.converged and init is not None and not near_end:
        r2 = solve_large_y(p["states"], p["alpha"], p["d"], **kw)
        r = r2 if r2.converged else r
    nxt = {**warm, "ended": bool(ended or (not r.converged and len(slopes) >= 2 and slopes[-1] < slopes[-2]))}
    if r.converged:
        nxt.update(history=(warm["history"] + [[p["d"], dict(r.saddle.params)]])[-2:],
                   slopes=slopes + [slope(r)],
                   jacobian=None if r.jacobian is None else np.asarray(r.jacobian).tolist())
    row = r.as_dict()
    return {"S_I": row["S_I"], "Sigma": math.nan, "phi": math.nan, "slope": slope(r), **_diag(r), "warm": nxt}


def _local_entropy(p: dict, warm) -> dict:
    return (_large_y if math.isinf(p["y"]) else _finite_y)(p, warm)


def _alpha_u(p: dict, warm, cache=None) -> dict:
    from ..alpha_u import DEFAULT_Y, alpha_u, cached_alpha_u

    if p["y"] == DEFAULT_Y:
        v = cached_alpha_u(p["states"], cache)
    else:
        v = alpha_u(p["states"], y=p["y"]).as_dict()
    return {"alpha_U": v["alpha_U"], "alpha_U_lo": v["interval"][0], "alpha_U_hi": v["interval"][1],
            "upper_bound": bool(v.get("upper_bound", False)), "converged": bool(v["converged"]),
            "residual": math.nan, "iterations": len(v.get("evaluations", [])), "message": v["message"]}


def _radius(p: dict, warm) -> dict:
    from ..branches import dense_region_limit

    r = dense_region_limit(p["states"], p["d"], kappa=p["kappa"])
    return {"alpha": r.alpha, "alpha_lo": r.interval[0], "alpha_hi": r.interval[1], "branch": r.branch,
            "converged": bool(r.success), "residual": math.nan, "iterations": len(r.path), "message": r.message}


_COMPUTE = {"entropy": _entropy, "capacity": _capacity, "franz_parisi": _franz_parisi,
            "local_entropy": _local_entropy, "alpha_u": _alpha_u, "radius": _radius}


def _one(quantity: str, point: dict, warm, cache) -> dict:
    """One point: its record (the row's values and diagnostics, ``warm`` for the next point), as it
    reads back from JSON.  An exception inside the solver (e.g. no equilibrium saddle point for the
    Franz–Parisi reference) is a row that did not converge, with NaN values, the error as its message
    and ``error`` set (such a row is not cached); the chunk goes on from the last warm start."""
    import json
    import warnings

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # the converged flag is what counts
            rec = _alpha_u(point, warm, cache) if quantity == "alpha_u" else _COMPUTE[quantity](point, warm)
    except Exception as exc:  # noqa: BLE001 - reported in the row, never dropped
        rec = {**{c: math.nan for c in QUANTITIES[quantity].columns}, "converged": False, "residual": math.nan,
               "iterations": 0, "message": f"error: {type(exc).__name__}: {exc}", "warm": warm, "error": True}
    return json.loads(json.dumps(rec, default=_plain, allow_nan=True))


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"sweep: not JSON serialisable: {type(obj).__name__}")


def run_chunk(quantity: str, chunk: Chunk, cache=None) -> Tuple[int, List[dict], List[float]]:
    """Solve the chunk's points in order (cached per point): ``(chunk index, records, seconds per
    point)``; a record is the row's values and diagnostics (no ``warm``).  Deterministic: the same
    numbers on any worker, resumed or not."""
    from ...problems.large_y_path import MEMO
    from ...storage.cache import load, store

    MEMO.clear()
    q = QUANTITIES[quantity]
    warm, after, records, seconds = None, [], [], []
    for point in chunk.points:
        t0 = time.perf_counter()
        key = point_key(quantity, point, after)
        own = cache is not None and not (quantity == "alpha_u" and point["y"] == math.inf)  # else: α_U's own entry
        hit, rec = load(cache, key) if own else (False, None)
        if not hit:
            rec = _one(quantity, point, warm, cache)
            if own and not rec.get("error"):
                store(cache, key, rec, elapsed=time.perf_counter() - t0)
        rec.pop("error", None)
        seconds.append(time.perf_counter() - t0)
        warm = rec.pop("warm", None)
        records.append(rec)
        if q.chain is not None:
            after.append(point[q.chain])
    return chunk.index, records, seconds


def derivations(quantity: str, values: dict) -> list:
    """The ``derived*()`` builders a quantity needs on these axes: (module, function, args)."""
    eq = ("numerics.problems.equilibrium", "derived", ())
    fp = ("numerics.problems.franz_parisi", "derived_fp", ("squared",))
    ly = ("numerics.problems.large_y", "derived_large_y", ("squared",))
    if quantity in ("entropy", "capacity"):
        return [eq]
    if quantity == "franz_parisi":
        return [eq, fp]
    if quantity == "local_entropy":
        out = [eq, fp] if any(math.isfinite(y) for y in values["y"]) else [eq]
        out += [("numerics.problems.local_entropy", "derived_ld", (r, "squared", "heat_kernel"))
                for r in values["reference"] if any(math.isfinite(y) for y in values["y"])]
        return out + ([ly] if math.inf in values["y"] else [])
    return [eq, ly]


def warm_up(needs: list) -> float:
    """Build (or load from the derived-code cache) every ``derived*()`` in ``needs``; seconds taken."""
    import importlib

    t0 = time.perf_counter()
    for module, name, args in needs:
        getattr(importlib.import_module(module), name)(*args)
    return time.perf_counter() - t0
