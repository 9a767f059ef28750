"""Synaptic state sets: the values a synapse may take and their prior weights.

A :class:`StateSet` is the finite set ``S = {s_1, ..., s_L}`` of physics.md §1 together with positive
prior weights ``pi_k`` (default all 1, the counting measure, so that entropies are log-counts per
synapse).  It is immutable and hashable, so it can key caches.

One string syntax is used everywhere (CLI, files, plots)::

    binary                    {-1, +1}
    symmetric:L               L values equally spaced on [-1, 1]   (odd L contains 0)
    excitatory:L              L values equally spaced on [0, 1]    (L = 2 is {0, 1})
    values:v1,v2,...          a custom set, counting measure
    values:v1,v2,...@w1,w2,.. a custom set with prior weights w_k > 0

``StateSet.parse(s)`` reads it, ``str(state_set)`` writes it back (``parse(str(S)) == S``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

__all__ = ["StateSet", "binary", "symmetric", "excitatory", "parse_states"]


def _fmt(x: float) -> str:
    """Shortest round-tripping text of a float (``repr``), with integers written without '.0'."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


@dataclass(frozen=True)
class StateSet:
    """An immutable synaptic state set.

    Attributes
    ----------
    values : tuple of float
        The distinct synaptic values, sorted increasingly.
    prior : tuple of float
        Positive prior weight of each value (not normalised; the counting measure is all ones).
    name : str
        The canonical string of the set (see module docstring); ``StateSet.parse(name)`` rebuilds it.
    """

    values: tuple
    prior: tuple
    name: str

    def __init__(self, values: Iterable[float], prior: Iterable[float] | None = None, name: str | None = None):
        try:
            vals = [float(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"states: values must be real numbers ({exc})") from None
        if prior is None:
            pri = [1.0] * len(vals)
        else:
            try:
                pri = [float(w) for w in prior]
            except (TypeError, ValueError) as exc:
                raise ValueError(f"states: prior weights must be real numbers ({exc})") from None
            if len(pri) != len(vals):
                raise ValueError(
                    f"states: {len(vals)} values but {len(pri)} prior weights; give one weight per value")
        if not all(math.isfinite(v) for v in vals):
            raise ValueError(f"states: values must be finite, got {vals}")
        if not all(math.isfinite(w) and w > 0 for w in pri):
            raise ValueError(f"states: prior weights must be finite and > 0, got {pri}")
        if len(set(vals)) != len(vals):
            raise ValueError(f"states: values must be distinct, got {vals}")
        if len(vals) < 2:
            raise ValueError(f"states: a state set needs at least two distinct values, got {vals}")
        order = sorted(range(len(vals)), key=vals.__getitem__)
        vals = tuple(vals[i] for i in order)
        pri = tuple(pri[i] for i in order)
        canonical = "values:" + ",".join(_fmt(v) for v in vals)
        if any(w != 1.0 for w in pri):
            canonical += "@" + ",".join(_fmt(w) for w in pri)
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "prior", pri)
        object.__setattr__(self, "name", name if name is not None else canonical)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: "str | StateSet") -> "StateSet":
        """Read the string syntax of the module docstring; a ``StateSet`` is returned unchanged."""
        if isinstance(text, StateSet):
            return text
        if not isinstance(text, str):
            raise ValueError(f"states: expected a string such as 'binary' or 'symmetric:3', got {text!r}")
        s = text.strip()
        if s == "binary":
            return binary()
        kind, sep, arg = s.partition(":")
        kind = kind.strip()
        if not sep:
            raise ValueError(
                f"states: cannot read {text!r}; use binary, symmetric:L, excitatory:L, values:v1,v2,... "
                "or values:v1,v2,...@w1,w2,...")
        if kind in ("symmetric", "excitatory"):
            try:
                L = int(arg)
            except ValueError:
                raise ValueError(f"states: {kind}:L needs an integer L, got {arg!r}") from None
            return symmetric(L) if kind == "symmetric" else excitatory(L)
        if kind == "values":
            vtext, at, wtext = arg.partition("@")
            vals = _parse_floats(vtext, "values")
            pri = _parse_floats(wtext, "prior weights") if at else None
            return cls(vals, pri)
        raise ValueError(f"states: unknown kind {kind!r} in {text!r}; use binary, symmetric, excitatory or values")

    # -- derived quantities -------------------------------------------------------------------
    @property
    def L(self) -> int:
        """Number of states."""
        return len(self.values)

    @property
    def bits(self) -> float:
        """log2 L, the information capacity of one synapse."""
        return math.log2(self.L)

    @property
    def array(self) -> np.ndarray:
        """The values as a float64 array."""
        return np.asarray(self.values, dtype=float)

    @property
    def log_prior(self) -> np.ndarray:
        """log pi_k as a float64 array."""
        return np.log(np.asarray(self.prior, dtype=float))

    @property
    def spread(self) -> float:
        """Delta = max S - min S, the normalisation of the squared distance."""
        return self.values[-1] - self.values[0]

    @property
    def step_distance(self) -> float:
        """(δ/Δ)²: the squared distance per synapse of the smallest move, δ = the smallest gap
        between two values (1 for binary, 1/4 for symmetric(3) and excitatory(3))."""
        return float(np.min(np.diff(self.array))) ** 2 / self.spread ** 2

    @property
    def log_measure(self) -> float:
        """log sum_k pi_k: the entropy per synapse at alpha = 0 (log L for the counting measure)."""
        return math.log(sum(self.prior))

    @property
    def is_binary_pm1(self) -> bool:
        """True for {-1, +1} with equal weights: Q = 1 identically and A drops out."""
        return self.values == (-1.0, 1.0) and self.prior[0] == self.prior[1]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"StateSet({self.name!r}, values={list(self.values)}, prior={list(self.prior)})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, StateSet):
            return NotImplemented
        return self.values == other.values and self.prior == other.prior

    def __hash__(self) -> int:
        return hash((self.values, self.prior))


def _parse_floats(text: str, what: str) -> list:
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(p == "" for p in parts):
        raise ValueError(f"states: empty entry in the {what} list {text!r}")
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"states: cannot read the {what} list {text!r} as numbers") from None


def binary() -> StateSet:
    """{-1, +1} with the counting measure."""
    return StateSet((-1.0, 1.0), name="binary")


def _check_L(L, kind) -> int:
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)):
        raise ValueError(f"states: {kind}(L) needs an integer L, got {L!r}")
    if L < 2:
        raise ValueError(f"states: {kind}(L) needs L >= 2 (a state set needs at least two values), got {L}")
    return int(L)


def symmetric(L: int) -> StateSet:
    """L values equally spaced on [-1, 1] (symmetric:2 is {-1, +1}; odd L contains 0)."""
    L = _check_L(L, "symmetric")
    vals = [(2 * k - (L - 1)) / (L - 1) for k in range(L)]  # exactly antisymmetric, 0 for odd L
    return StateSet(vals, name=f"symmetric:{L}")


def excitatory(L: int) -> StateSet:
    """L values equally spaced on [0, 1] (sign-constrained synapses; excitatory:2 is {0, 1})."""
    L = _check_L(L, "excitatory")
    return StateSet([k / (L - 1) for k in range(L)], name=f"excitatory:{L}")


def parse_states(text: "str | StateSet | Sequence[float]") -> StateSet:
    """Accept a string of the module syntax, a StateSet, or a plain sequence of values."""
    if isinstance(text, (str, StateSet)):
        return StateSet.parse(text)
    return StateSet(text)
