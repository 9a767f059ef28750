"""Compile symbolic free entropies and their derived equations into vectorised numpy evaluators.

An expression built from :mod:`theory.symbolic` atoms is compiled level by level: the algebra at each
level (the part outside any ``Avg``/``LogSum``) is turned into a numpy function by
``sympy.lambdify(..., cse=True)``, with each special atom replaced by a placeholder; each special atom
is compiled recursively.  The functions are generated Python source (:mod:`theory.codegen`), kept on
disk by :mod:`theory.codecache`, so a later process reads them instead of compiling again.
Evaluation is a broadcast over a grid: every bound variable owns one array axis, so an inner
single-site sum is computed for all outer quadrature nodes at once.

The caller (``numerics``) supplies, for every bound variable, its nodes and log-weights: the synaptic
values with ``log π_k``, or Gaussian quadrature nodes with ``log w_i``.  ``theory`` never chooses a
quadrature rule.  Within one call each distinct atom is evaluated once (a memo keyed by the atom and
the nodes of the adaptive variables free in it), which is common-subexpression elimination across
all the equations compiled together.  Node specs with ``refine`` adapt to the integrand (peak-following
rules, maximisers); a maximiser over discrete values (``discrete``) is read as a gather at its argmax
from the values at all its nodes, so what lies inside it is evaluated once.  Across calls, a whole
integral (an atom free of every bound variable) keeps its value at the last call and gives it again
where it reads the same parameter values on the same nodes (compared by value): the energetic term
G_E does not depend on a free conjugate such as Ŝ, whose inner root evaluates the map ~5 times per
sweep (binary, y → ∞, α = 0.5, d = 0.025: the cold solve 0.82 → 0.58 s, the same numbers bit for bit).

This module imports no sympy: evaluating loaded equations needs numpy and scipy only.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence, Tuple

import numpy as np

from .special import NUMERIC_FUNCTIONS, G_over_H, log_H  # noqa: F401  (re-exported)

__all__ = ["log_H", "G_over_H", "CompiledSet", "NUMERIC_FUNCTIONS"]

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


Nodes = Mapping[Any, Tuple[np.ndarray, np.ndarray]]


def _name(k) -> str:
    return k if isinstance(k, str) else k.name


class CompiledSet:
    """Several expressions compiled together, sharing the evaluation of common atoms.

    Parameters
    ----------
    exprs : mapping name -> sympy expression
    bound : sequence of bound-variable symbols, outermost first: each owns one array axis.

    Call with ``values`` (symbol or symbol name -> float) and ``nodes`` (bound symbol or its name ->
    (nodes, log_weights)); returns a dict name -> float (or array, if the expression keeps a bound
    variable free).  Missing parameters raise KeyError naming the symbol.

    The generated code is cached on disk (:mod:`theory.codecache`), keyed by the expressions and
    ``bound`` (:func:`theory.codecache.fingerprint`).  :func:`theory.derive.derive` builds its sets
    from one module with :meth:`from_plan` instead.
    """

    def __init__(self, exprs: Mapping[str, Any], bound: Sequence[Any]):
        import sympy as sp

        from . import codecache

        exprs, bound = dict(exprs), tuple(bound)
        parts = [f"{n}={codecache.fingerprint(sp.sympify(e))}" for n, e in exprs.items()]
        key = codecache.make_key("compiled", *parts, "bound=" + codecache.fingerprint(bound))
        label = "-".join(exprs)[:40]

        def build() -> str:
            from .codegen import SourceBuilder

            builder = SourceBuilder()
            return builder.source({"set": builder.plan(exprs, bound)}, doc="A CompiledSet.")

        hit, _ = codecache.load_or_build("compiled", label, key, build)
        namespace = codecache.execute(*hit, label=f"compiled_{key[:12]}")
        self._init_plan(namespace["PLANS"]["set"], namespace)
        self.key, self.label = key, label  # the cache entry's (theory.recipes writes an alias to it)

    @classmethod
    def from_plan(cls, plan: dict, namespace: Mapping) -> "CompiledSet":
        """The set described by a plan of a generated module (:mod:`theory.codegen`), whose
        functions are looked up by name in ``namespace`` (the module's)."""
        self = cls.__new__(cls)
        self._init_plan(plan, namespace)
        return self

    def _init_plan(self, plan: dict, namespace: Mapping) -> None:
        def level(lv):
            return None if lv is None else (namespace[lv[0]], lv[1], lv[2])

        self.bound = tuple(plan["bound"])
        self.ndim = len(self.bound)
        self.axis = {v: i for i, v in enumerate(self.bound)}
        self.parameters = tuple(plan["parameters"])
        self.levels = {name: level(lv) for name, lv in plan["outputs"].items()}
        # runtime atom records: (kind, v, function, f or argument level, E level, exponent id)
        self._atoms = []
        for r in plan["atoms"]:
            if r[0] == "func":
                self._atoms.append(("func", None, NUMERIC_FUNCTIONS[r[1]], level(r[2]), None, None))
            elif r[0] == "avg":
                self._atoms.append(("avg", r[1], None, level(r[2]), level(r[3]), r[4]))
            else:
                self._atoms.append(("logsum", r[1], None, level(r[2]), None, r[3]))
        self._atom_free = [frozenset(f) for f in plan["atom_free"]]
        self._exp_free = [frozenset(f) for f in plan["exp_free"]]
        # atoms free of every bound variable (whole integrals): the parameters each one reads, and
        # its value at the last call (:meth:`_Evaluation.atom`, "carried")
        params = set(self.parameters)
        self._atom_params = {a: tuple(sorted(self._reads(a, params))) for a, r in enumerate(self._atoms)
                             if r[0] != "func" and not self._atom_free[a]}
        self._carried = {}

    def _reads(self, a: int, params: set) -> set:
        """The parameters that atom ``a`` reads, through its levels and the atoms inside them."""
        out, todo, seen = set(), [a], set()
        while todo:
            b = todo.pop()
            if b in seen:
                continue
            seen.add(b)
            for lv in self._atoms[b][3:5]:
                if lv is not None:
                    out.update(s for s in lv[1] if s in params)
                    todo.extend(lv[2])
        return out

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
        run = _Evaluation(self, values, nodes)
        out = {}
        for name in (names if names is not None else self.levels):
            val = np.asarray(run.level(self.levels[name]))
            if np.iscomplexobj(val):
                val = np.where(val.imag != 0, np.nan, val.real)
            val = val.astype(float)
            out[name] = float(val.reshape(-1)[0]) if val.size == 1 else val
        return out


class _Evaluation:
    """One call of a :class:`CompiledSet`: the nodes installed per bound variable and the memos.

    ``memo`` holds each atom's value keyed by (atom, ids of the nodes of the adaptive variables free
    in it); ``tilt`` the weights and log-normaliser of each exponent E over its variable v (shared
    by ``Avg(·, E, v)`` and ``LogSum(E, v)``); ``refined`` the adapted nodes of v for E.  The memo
    keys name the nodes of the adaptive variables an expression depends on; a variable bound inside
    it gets its own nodes there (:meth:`nodes_for` installs them from the base nodes), so the value
    does not depend on the nodes it had outside.  Arrays whose ``id()`` is part of a key stay alive
    for the call (``keepalive``, ``zero``)."""

    def __init__(self, cs: CompiledSet, values: Mapping, nodes: Nodes):
        self.cs = cs
        byname = {_name(k): float(v) for k, v in values.items()}
        env = {}
        for s in cs.parameters:
            if s not in byname:
                raise KeyError(f"missing value for parameter {s!r}")
            env[s] = byname[s]
        specs = {_name(k): spec for k, spec in nodes.items()}
        logw, adaptive = {}, {}
        for v in cs.bound:
            if v not in specs:
                raise KeyError(f"missing nodes for bound variable {v!r}")
            spec = specs[v]
            if hasattr(spec, "refine"):
                # peak-following rule: nodes chosen per outer point from a coarse look at the
                # integrand (see numerics.solver.quadrature.AdaptiveGaussian)
                adaptive[v] = spec
                x, lw = spec.coarse
            else:
                x, lw = spec
            env[v] = cs._shaped(v, x)
            logw[v] = cs._shaped(v, lw)
        self.env, self.logw, self.adaptive = env, logw, adaptive
        self.base_env, self.base_logw = dict(env), dict(logw)
        self.memo, self.tilt, self.refined = {}, {}, {}
        self.specs, self._nodes_key = specs, None
        self.zero = {}  # id -> log-weight array known to be all zeros (kept alive for the call)
        self.keepalive = []  # node arrays whose id() is part of a memo key

    def level(self, lv):
        """Value of one level: its function at the symbols' values and its atoms' values."""
        fn, symbols, atoms = lv
        env = self.env
        return fn(*([env[s] for s in symbols] + [self.atom(a) for a in atoms]))

    def _scope(self, free, skip=None):
        env = self.env
        return tuple(id(env[v]) for v in self.adaptive if v != skip and v in free)

    def nodes_for(self, eid, v, level):
        """Install the refined nodes of v for the integrand exponent E (cached per E and per the
        nodes of the other adaptive variables E depends on).  A spec with ``passes`` > 1 (a
        maximiser) is refined again on the nodes of its previous pass.

        A spec with ``discrete`` true (a maximiser over discrete values) keeps all its nodes
        installed and returns (index of the argmax along v's axis, E at every node): its ``LogSum``
        and ``Avg`` are gathers at that index (:meth:`atom`), so the atoms inside them are shared
        with the search for the argmax instead of evaluated again at the argmax."""
        rkey = (eid, v, self._scope(self.cs._exp_free[eid], skip=v))
        spec = self.adaptive[v]
        discrete = getattr(spec, "discrete", False)
        if rkey not in self.refined:
            self.refined[rkey] = self._refine(spec, v, level, discrete)
            if discrete:
                return self.refined[rkey]
        if discrete:
            self.env[v], self.logw[v] = self.base_env[v], self.base_logw[v]
            return self.refined[rkey]
        self.env[v], self.logw[v] = self.refined[rkey]
        return None

    def _refine(self, spec, v, level, discrete):
        env, logw = self.env, self.logw
        ax = self.cs.axis[v]
        env[v], logw[v] = self.base_env[v], self.base_logw[v]
        e = self.level(level) + logw[v] if level is not None else logw[v]
        e = np.asarray(e, dtype=float)
        if discrete:
            return spec.select(e, ax), e
        x, lw = spec.refine(e, ax)
        for stage in range(1, getattr(spec, "passes", 1)):
            self.keepalive.append(x)
            env[v], logw[v] = x, lw
            e = self.level(level) + lw if level is not None else lw
            x, lw = spec.refine(np.asarray(e, dtype=float), ax, nodes=x, stage=stage)
        self.keepalive.append(x)
        return x, lw

    def weights(self, eid, v, level, lse_only=False):
        """(normalised weights of v in the measure e^E, log-normaliser); the weights are computed
        only when an Avg asks for them (a LogSum needs the normaliser alone)."""
        key = (eid, v, self._scope(self.cs._exp_free[eid], skip=v))
        t = self.tilt.get(key)
        if t is None:
            t = self.tilt[key] = self._tilt(v, level)
        if t[0] is None and not lse_only:
            e, lse = t[2], t[1]
            t[0] = np.ones_like(e) if e.shape[self.cs.axis[v]] == 1 else np.exp(e - lse)
        return t[0], t[1]

    def _tilt(self, v, level):
        lw = self.logw[v]
        if level is None:
            e = lw
        elif id(lw) in self.zero or not np.any(lw):  # zero log-weights (counting measure, maximiser)
            self.zero[id(lw)] = lw
            e = self.level(level)
        else:
            e = self.level(level) + lw
        ax = self.cs.axis[v]
        e = np.asarray(e, dtype=float)
        if e.shape[ax] == 1:  # one node (a maximiser's argmax): weight 1
            return [None, e, e]
        return [None, _logsumexp(e, ax), e]

    def atom(self, a):
        """Value of atom number a (memoised per the nodes of the adaptive variables free in it)."""
        kind, v, fn, first, second, eid = self.cs._atoms[a]
        memo = self.memo
        if kind == "func":
            key = (a, self._scope(self.cs._atom_free[a]))
            if key not in memo:
                memo[key] = fn(self.level(first))
            return memo[key]
        carry = self.cs._atom_params.get(a)
        if carry is not None:  # a whole integral: its value at the last call, if it read the same
            carry = (tuple(self.env[p] for p in carry), self.nodes_key())
            last = self.cs._carried.get(a)
            if last is not None and last[0] == carry:
                memo[(a, ())] = last[1]
                return last[1]
        sel = None
        if v in self.adaptive:
            sel = self.nodes_for(eid, v, second if kind == "avg" else first)
        key = (a, self._scope(self.cs._atom_free[a]))
        if key in memo:
            return memo[key]
        ax = self.cs.axis[v]
        if sel is not None:  # a discrete maximiser: the value at the argmax, a gather
            idx, e = sel
            f = np.asarray(self.level(first), dtype=float) if kind == "avg" else e
            val = f if f.ndim == 0 or f.shape[ax] == 1 else np.take_along_axis(f, idx, axis=ax)
        elif kind == "avg":
            w, _ = self.weights(eid, v, second)
            f = self.level(first)
            val = _reduce(np.add, f * w, ax)
        else:
            _, val = self.weights(eid, v, first, lse_only=True)
        memo[key] = val
        if carry is not None:
            self.cs._carried[a] = (carry, val)
        return val

    def nodes_key(self) -> tuple:
        """What identifies the nodes of this call: each bound variable's spec (an adaptive rule, a
        maximiser: compared by value) or the bytes of its (nodes, log-weights)."""
        if self._nodes_key is None:
            parts = []
            for v in self.cs.bound:
                spec = self.specs[v]
                if hasattr(spec, "refine"):
                    parts.append(spec)
                else:
                    x, lw = (np.asarray(a, dtype=float) for a in spec)
                    parts.append((x.shape, x.tobytes(), lw.shape, lw.tobytes()))
            self._nodes_key = tuple(parts)
        return self._nodes_key
