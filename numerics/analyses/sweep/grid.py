"""The grid of a sweep: which quantity, which axes it depends on, every value checked before any work.

A grid is the product of the axes ``states × alpha × d × y × kappa × f_out × reference``, restricted
to the axes the quantity depends on (:data:`QUANTITIES`).  Points are grouped into *chunks*: the
points that differ only along the quantity's chain axis (d for the local entropies, α for the
entropy), solved in order inside one task so that each point warm-starts its neighbour, exactly as
the curve functions of :mod:`numerics.problems` do (d from the largest down, α upwards).  The chunks
and their order depend on the grid alone, never on the scheduler, so a task computes the same
numbers on whichever worker runs it.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

__all__ = ["AXES", "Quantity", "QUANTITIES", "Grid", "Chunk", "make_grid"]

AXES = ("states", "alpha", "d", "y", "kappa", "f_out", "reference")
DEFAULTS = {"kappa": (0.0,), "f_out": (0.5,), "reference": ("solution",), "y": (math.inf,)}


@dataclass(frozen=True)
class Quantity:
    """A theory quantity a sweep can tabulate: its axes, its chain axis (None: every point a task of
    its own) and the direction of the chain (``descending``), whether a point is warm-started by the
    previous one (``seeded``), the value columns of the table, and the axes that must be given (the
    others have :data:`DEFAULTS`)."""

    name: str
    axes: Tuple[str, ...]
    required: Tuple[str, ...]
    columns: Tuple[str, ...]
    chain: Optional[str] = None
    descending: bool = False
    doc: str = ""
    seeded: bool = True  # False: the chain only groups points into a task, each is solved cold


QUANTITIES: Dict[str, Quantity] = {q.name: q for q in (
    Quantity("entropy", ("states", "alpha", "kappa", "f_out"), ("states", "alpha"),
             ("s", "ds_dalpha", "q", "Q"), chain="alpha",
             doc="RS equilibrium entropy s(α) (solve_equilibrium), continuation upwards in α"),
    Quantity("capacity", ("states", "kappa", "f_out"), ("states",), ("alpha_c", "s_at_alpha_c", "q", "Q"),
             doc="α_c, the root of s(α) = 0 (capacity)"),
    Quantity("franz_parisi", ("states", "alpha", "d", "kappa", "f_out"), ("states", "alpha", "d"),
             ("S_I", "s_eq"), chain="d", descending=True, seeded=False,
             doc="Franz–Parisi S_FP(d) (solve_franz_parisi), each d solved cold (a warm start from the "
                 "neighbour fails, see numerics.analyses.sweep.points)"),
    Quantity("local_entropy", ("states", "alpha", "d", "y", "kappa", "f_out", "reference"),
             ("states", "alpha", "d", "y"), ("S_I", "Sigma", "phi", "slope"), chain="d", descending=True,
             doc="S_I, Σ, Φ at finite y (solve_local_entropy) or y = inf (solve_large_y; slope = dS_I/dd), "
                 "continuation from the largest d down"),
    Quantity("alpha_u", ("states", "y"), ("states",), ("alpha_U", "alpha_U_lo", "alpha_U_hi", "upper_bound"),
             doc="α_U, where the dense regions break up (alpha_u; y = inf: the cached default of the main job)"),
    Quantity("radius", ("states", "d", "kappa"), ("states", "d"), ("alpha", "alpha_lo", "alpha_hi", "branch"),
             doc="the radius curve: the largest α at which dense regions reach d (dense_region_limit)"),
)}

DIAGNOSTICS = ("converged", "residual", "iterations", "message")


@dataclass
class Chunk:
    """The points of one task, in the order they are solved (``rows``: their rows in the table)."""

    index: int
    points: List[dict]
    rows: List[int]


@dataclass
class Grid:
    """A checked grid: the quantity, the values of each of its axes, the points in table order."""

    quantity: Quantity
    values: Dict[str, tuple]
    points: List[dict]

    def chunks(self) -> List[Chunk]:
        """The points grouped by every axis but the chain axis, each group ordered along the chain
        (chunks in table order of their first point)."""
        q = self.quantity
        groups: Dict[tuple, List[int]] = {}
        for i, p in enumerate(self.points):
            groups.setdefault(tuple(p[a] for a in q.axes if a != q.chain), []).append(i)
        out = []
        for k, rows in enumerate(groups.values()):
            if q.chain is not None:
                rows = sorted(rows, key=lambda i: self.points[i][q.chain], reverse=q.descending)
            out.append(Chunk(k, [self.points[i] for i in rows], rows))
        return out


def _number(axis: str, v, *, low=None, low_open=False, high=None, high_open=False, allow_inf=False) -> float:
    """``v`` as a float inside the axis' range, else a ValueError naming the axis and the value."""
    rng = (f"{'(' if low_open else '['}{'-inf' if low is None else f'{low:g}'}, "
           f"{'inf' if high is None else f'{high:g}'}{')' if high_open or high is None else ']'}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{axis}: {v!r} is not a number (allowed: {rng})") from None
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{axis}: {v!r} is not a finite number (allowed: {rng})")
    bad = (low is not None and (x < low or (low_open and x == low))) or \
          (high is not None and (x > high or (high_open and x == high)))
    if bad:
        raise ValueError(f"{axis}: {v!r} is outside the allowed range {rng}")
    return x


def _check_axis(q: Quantity, axis: str, values) -> tuple:
    """The values of one axis, checked and normalised (state sets by their canonical name)."""
    from theory.states import parse_states

    if isinstance(values, (str, int, float)):
        values = (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{axis}: no values given")
    out = []
    for v in values:
        if axis == "states":
            try:
                x = parse_states(v).name
            except ValueError as exc:
                raise ValueError(f"states: {v!r} is not a state set ({exc})") from None
        elif axis == "alpha":
            x = _number("alpha", v, low=0.0, low_open=q.name == "franz_parisi")
        elif axis == "d":
            x = _number("d", v, low=0.0, low_open=True, high=1.0, high_open=True)
        elif axis == "y":
            x = _number("y", v, low=0.0, low_open=True, allow_inf=True)
        elif axis == "kappa":
            x = _number("kappa", v, low=0.0)
        elif axis == "f_out":
            x = _number("f_out", v, low=0.0, low_open=True, high=1.0, high_open=True)
        else:  # reference
            if v not in ("solution", "free"):
                raise ValueError(f"reference: {v!r} is not a reference kind (allowed: solution, free)")
            x = v
        if x not in out:
            out.append(x)
    return tuple(out)


def make_grid(quantity: str, **axes) -> Grid:
    """The checked grid of ``quantity`` over the given axes (a value or a sequence each); raises a
    ValueError naming the first invalid argument before any work is done."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity: {quantity!r} is not one of {', '.join(QUANTITIES)}")
    q = QUANTITIES[quantity]
    given = {a: v for a, v in axes.items() if v is not None}
    for a in given:
        if a not in AXES:
            raise ValueError(f"{a}: not a grid axis (axes: {', '.join(AXES)})")
        if a not in q.axes:
            raise ValueError(f"{a}: the quantity {q.name} does not depend on {a} (its axes: {', '.join(q.axes)})")
    for a in q.required:
        if a not in given:
            raise ValueError(f"{a}: required for the quantity {q.name}")
    values = {a: _check_axis(q, a, given[a] if a in given else DEFAULTS[a]) for a in q.axes}
    if q.name == "local_entropy" and math.inf in values["y"] and values["f_out"] != (0.5,):
        raise ValueError(f"f_out: the y = inf equations are at f_out = 0.5 only, got {list(values['f_out'])}")
    points = [dict(zip(q.axes, combo)) for combo in itertools.product(*(values[a] for a in q.axes))]
    return Grid(q, values, points)


def columns(q: Quantity) -> Sequence[str]:
    """The table's columns: quantity, the axes, the values, the diagnostics."""
    return ("quantity",) + q.axes + q.columns + DIAGNOSTICS
