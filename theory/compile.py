"""Compile symbolic free entropies and their derived equations into vectorised numpy evaluators.

An expression built from :mod:`theory.symbolic` atoms is compiled level by level: the algebra at each
level (the part outside any ``Avg``/``LogSum``) is turned into a numpy function by
``sympy.lambdify(..., cse=True)``, with each special atom replaced by a placeholder; each special atom
is compiled recursively.  Evaluation is a broadcast over a grid: every bound variable owns one array
axis, so an inner single-site sum is computed for all outer quadrature nodes at once.

The caller (``numerics``) supplies, for every bound variable, its nodes and log-weights: the synaptic
values with ``log π_k``, or Gaussian quadrature nodes with ``log w_i``.  ``theory`` never chooses a
quadrature rule.  Within one call each distinct atom is evaluated once (a memo keyed by the atom and
the nodes of the adaptive variables free in it), which is common-subexpression elimination across
all the equations compiled together.  Node specs with ``refine`` adapt to the integrand (peak-following
rules, maximisers); a maximiser over discrete values (``discrete``) is read as a gather at its argmax
from the values at all its nodes, so what lies inside it is evaluated once.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Sequence, Tuple

import numpy as np
import sympy as sp
from scipy.special import erfcx, log_ndtr

from .symbolic import GH, Avg, LogH, LogSum, special_atoms

__all__ = ["log_H", "G_over_H", "CompiledSet", "NUMERIC_FUNCTIONS"]

_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_SQRT_HALF = np.sqrt(0.5)


def log_H(x):
    """log H(x) = log ½ erfc(x/√2), stable for all real x (log_ndtr(-x))."""
    return log_ndtr(-np.asarray(x, dtype=float))


def G_over_H(x):
    """G(x)/H(x) = √(2/π) / erfcx(x/√2), stable for all real x (→ x for x → +∞, → 0 for x → −∞)."""
    return _SQRT_2_OVER_PI / erfcx(np.asarray(x, dtype=float) * _SQRT_HALF)


def _reduce(op, e, axis):
    """``op.reduce(e, axis, keepdims=True)`` for op = np.maximum or np.add.  Along a short axis
    (fewer than 8 entries: a set of synaptic values) as a running op over its slices: the same
    operations in the same order as numpy's own reduction there (which adds short runs one by one,
    no pairwise blocks), so the same values, several times faster when the axis is innermost."""
    n = e.shape[axis]
    if not 1 < n < 8:
        return op.reduce(e, axis=axis, keepdims=True)
    head = (slice(None),) * axis
    acc = e[head + (slice(0, 1),)]
    for k in range(1, n):
        acc = op(acc, e[head + (slice(k, k + 1),)])
    return acc


def _logsumexp(e, axis):
    """log Σ exp(e) along axis (keepdims), shifted by the maximum; −inf where every term is −inf."""
    m = _reduce(np.maximum, e, axis)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + np.log(_reduce(np.add, np.exp(e - m), axis))


def _neq(a, b):
    return np.not_equal(a, b).astype(float)


NUMERIC_FUNCTIONS = {"LogH": log_H, "GH": G_over_H, "Neq": _neq}

Nodes = Mapping[sp.Symbol, Tuple[np.ndarray, np.ndarray]]


_ATOM_TYPES = (Avg, LogSum, LogH, GH)


def _level_atoms(expr):
    """Outermost Avg/LogSum nodes and transcendental applications (LogH, GH) of expr.

    LogH and GH calls are atoms too, so that each distinct call is evaluated once per evaluation of
    a CompiledSet however many derived equations use it (cross-equation CSE of the costly part).
    """
    return special_atoms(expr, _ATOM_TYPES)


class _Level:
    """One level of an expression: lambdified algebra over placeholders for its special atoms."""

    def __init__(self, expr, atoms_table: dict):
        atoms = _level_atoms(expr)
        self.placeholders = []
        subs = {}
        for a in atoms:
            d = sp.Dummy("A")
            subs[a] = d
            self.placeholders.append((d, a))
            if a not in atoms_table:
                atoms_table[a] = None  # compiled lazily by CompiledSet
        body = expr.xreplace(subs)
        self.symbols = sorted(body.free_symbols - set(subs.values()), key=lambda s: s.name)
        args = self.symbols + [d for d, _ in self.placeholders]
        self.fn = sp.lambdify(args, body, modules=[NUMERIC_FUNCTIONS, "numpy", "scipy"], cse=True)

    def __call__(self, env, atom_value):
        vals = [env[s] for s in self.symbols] + [atom_value(a) for _, a in self.placeholders]
        return self.fn(*vals)


class CompiledSet:
    """Several expressions compiled together, sharing the evaluation of common atoms.

    Parameters
    ----------
    exprs : mapping name -> sympy expression
    bound : sequence of bound-variable symbols, outermost first: each owns one array axis.

    Call with ``values`` (symbol or symbol name -> float) and ``nodes`` (bound symbol ->
    (nodes, log_weights)); returns a dict name -> float (or array, if the expression keeps a bound
    variable free).  Missing parameters raise KeyError naming the symbol.
    """

    def __init__(self, exprs: Mapping[str, sp.Expr], bound: Sequence[sp.Symbol]):
        self.bound = tuple(bound)
        self.ndim = len(self.bound)
        self.axis = {v: i for i, v in enumerate(self.bound)}
        self._atoms: Dict[sp.Expr, object] = {}
        self._free_cache: Dict[sp.Expr, frozenset] = {}
        self.levels = {name: _Level(sp.sympify(e), self._atoms) for name, e in exprs.items()}
        # compile the atoms breadth-first (each atom's body may add further, inner atoms)
        pending = [a for a, c in self._atoms.items() if c is None]
        while pending:
            for a in pending:
                if isinstance(a, (LogH, GH)):
                    self._atoms[a] = ("func", None, NUMERIC_FUNCTIONS[type(a).__name__], _Level(a.args[0], self._atoms))
                    continue
                if isinstance(a, Avg):
                    f, E, v = a.args
                    self._atoms[a] = ("avg", v, _Level(f, self._atoms), None if E == 0 else _Level(E, self._atoms))
                else:
                    E, v = a.args
                    self._atoms[a] = ("logsum", v, _Level(E, self._atoms))
                if v not in self.axis:
                    raise ValueError(f"bound variable {v} is not in the declared list {self.bound}")
            pending = [a for a, c in self._atoms.items() if c is None]
        self.parameters = sorted(
            {s for lvl in self._all_levels() for s in lvl.symbols if s not in self.axis}, key=lambda s: s.name)

    def _free(self, e):
        """Free symbols of a (sub)expression, without the variables bound inside it (``v`` of an
        ``Avg(f, E, v)`` or ``LogSum(E, v)``), cached: evaluation asks this for every atom, every call.

        The memo keys of the evaluation name the nodes of the adaptive variables an expression
        depends on; a variable bound inside it gets its own nodes there (``nodes_for`` installs them
        from the base nodes), so the value does not depend on the nodes it had outside, and keying on
        them only made identical work look new (a maximiser over W̃ refined once per pass of the
        maximiser over u inside it, ×7)."""
        try:
            return self._free_cache[e]
        except KeyError:
            if isinstance(e, Avg):
                f, E, v = e.args
                fs = (self._free(f) | self._free(E)) - {v}
            elif isinstance(e, LogSum):
                E, v = e.args
                fs = self._free(E) - {v}
            elif isinstance(e, sp.Symbol):
                fs = frozenset((e,))
            else:
                fs = frozenset().union(*(self._free(a) for a in e.args)) if e.args else frozenset(e.free_symbols)
            fs = self._free_cache[e] = frozenset(fs)
            return fs

    def _all_levels(self):
        yield from self.levels.values()
        for c in self._atoms.values():
            for part in c[2:]:
                if isinstance(part, _Level):
                    yield part

    def _shaped(self, v, arr):
        shape = [1] * self.ndim
        shape[self.axis[v]] = -1
        return np.asarray(arr, dtype=float).reshape(shape)

    def __call__(self, values: Mapping, nodes: Nodes, names: Iterable[str] | None = None) -> dict:
        """Evaluate the named expressions (all by default).  Outside the domain of a square root or
        logarithm the value is NaN (never the real part of a complex number), silently: the caller
        (the saddle-point iterator) treats non-finite values as leaving the domain."""
        with np.errstate(all="ignore"):
            return self._evaluate(values, nodes, names)

    def _evaluate(self, values: Mapping, nodes: Nodes, names: Iterable[str] | None = None) -> dict:
        env = {}
        byname = {(k if isinstance(k, str) else k.name): float(v) for k, v in values.items()}
        for s in self.parameters:
            if s.name not in byname:
                raise KeyError(f"missing value for parameter {s.name!r}")
            env[s] = byname[s.name]
        logw = {}
        adaptive = {}
        for v in self.bound:
            if v not in nodes:
                raise KeyError(f"missing nodes for bound variable {v.name!r}")
            spec = nodes[v]
            if hasattr(spec, "refine"):
                # peak-following rule: nodes chosen per outer point from a coarse look at the
                # integrand (see numerics.solver.quadrature.AdaptiveGaussian)
                adaptive[v] = spec
                x, lw = spec.coarse
            else:
                x, lw = spec
            env[v] = self._shaped(v, x)
            logw[v] = self._shaped(v, lw)
        base_env = dict(env)
        base_logw = dict(logw)
        memo = {}
        tilt = {}
        refined = {}
        zero = {}  # id -> log-weight array known to be all zeros (kept alive for the call)

        def scope_key(a):
            return tuple(id(env[v]) for v in adaptive if v in self._free(a))

        keepalive = []  # node arrays whose id() is part of a memo key stay alive for this call

        def nodes_for(E, v, level):
            """Install the refined nodes of v for the integrand exponent E (cached per E and per the
            nodes of the other adaptive variables E depends on).  A spec with ``passes`` > 1 (a
            maximiser) is refined again on the nodes of its previous pass.

            A spec with ``discrete`` true (a maximiser over discrete values) keeps all its nodes installed
            and returns (index of the argmax along v's axis, E at every node): its ``LogSum`` and
            ``Avg`` are gathers at that index (atom_value), so the atoms inside them are shared with
            the search for the argmax instead of evaluated again at the argmax."""
            rkey = (E, v, tuple(id(env[a]) for a in adaptive if a != v and a in self._free(E)))
            spec = adaptive[v]
            if rkey not in refined:
                ax = self.axis[v]
                env[v], logw[v] = base_env[v], base_logw[v]
                e = level(env, atom_value) + logw[v] if level is not None else logw[v]
                e = np.asarray(e, dtype=float)
                if getattr(spec, "discrete", False):
                    refined[rkey] = (spec.select(e, ax), e)
                    return refined[rkey]
                x, lw = spec.refine(e, ax)
                for stage in range(1, getattr(spec, "passes", 1)):
                    keepalive.append(x)
                    env[v], logw[v] = x, lw
                    e = level(env, atom_value) + lw if level is not None else lw
                    x, lw = spec.refine(np.asarray(e, dtype=float), ax, nodes=x, stage=stage)
                keepalive.append(x)
                refined[rkey] = (x, lw)
            if getattr(spec, "discrete", False):
                env[v], logw[v] = base_env[v], base_logw[v]
                return refined[rkey]
            env[v], logw[v] = refined[rkey]
            return None

        def weights(E, v, level, lse_only=False):
            """(normalised weights of v in the measure e^E, log-normaliser); the weights are computed
            only when an Avg asks for them (a LogSum needs the normaliser alone)."""
            key = (E, v, tuple(id(env[a]) for a in adaptive if a != v and a in self._free(E)))
            if key not in tilt:
                lw = logw[v]
                if level is None:
                    e = lw
                elif id(lw) in zero or not np.any(lw):  # zero log-weights (counting measure, maximiser)
                    zero[id(lw)] = lw
                    e = level(env, atom_value)
                else:
                    e = level(env, atom_value) + lw
                ax = self.axis[v]
                e = np.asarray(e, dtype=float)
                if e.shape[ax] == 1:  # one node (a maximiser's argmax): weight 1
                    tilt[key] = [None, e, e]
                else:
                    tilt[key] = [None, _logsumexp(e, ax), e]
            t = tilt[key]
            if t[0] is None and not lse_only:
                e, lse = t[2], t[1]
                t[0] = np.ones_like(e) if e.shape[self.axis[v]] == 1 else np.exp(e - lse)
            return t[0], t[1]

        def atom_value(a):
            kind, v, *parts = self._atoms[a]
            if kind == "func":
                key = (a, scope_key(a))
                if key not in memo:
                    fn, arg = parts
                    memo[key] = fn(arg(env, atom_value))
                return memo[key]
            sel = None
            if v in adaptive:
                E_level = parts[-1] if kind == "avg" else parts[0]
                sel = nodes_for(a.args[1] if kind == "avg" else a.args[0], v, E_level)
            key = (a, scope_key(a))
            if key in memo:
                return memo[key]
            ax = self.axis[v]
            if sel is not None:  # a discrete maximiser: the value at the argmax, a gather
                idx, e = sel
                f = np.asarray(parts[0](env, atom_value), dtype=float) if kind == "avg" else e
                memo[key] = val = f if f.ndim == 0 or f.shape[ax] == 1 else np.take_along_axis(f, idx, axis=ax)
                return val
            if kind == "avg":
                f_level, E_level = parts
                w, _ = weights(a.args[1], v, E_level)
                f = f_level(env, atom_value)
                val = np.sum(f * w, axis=ax, keepdims=True)
            else:
                (E_level,) = parts
                _, val = weights(a.args[0], v, E_level, lse_only=True)
            memo[key] = val
            return val

        out = {}
        for name in (names if names is not None else self.levels):
            val = np.asarray(self.levels[name](env, atom_value))
            if np.iscomplexobj(val):
                val = np.where(val.imag != 0, np.nan, val.real)
            val = val.astype(float)
            out[name] = float(val.reshape(-1)[0]) if val.size == 1 else val
        return out
