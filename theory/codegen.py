"""Python source for compiled expression sets: what :mod:`theory.codecache` stores.

An expression built from :mod:`theory.symbolic` atoms is split level by level (see
:mod:`theory.compile`): the algebra at each level, with every special atom (``Avg``, ``LogSum``,
``LogH``, ``GH``) replaced by a placeholder, is printed by ``sympy.lambdify(..., cse=True)`` with the
modules ``[NUMERIC_FUNCTIONS, "numpy", "scipy"]``.  Its source text (common subexpressions as
``x0 = ...`` lines) becomes one function ``_f<i>(_p0, _p1, ...)`` of the generated module, its
arguments renamed in order, identical texts written once.  Every global name the function uses is
imported from where lambdify's namespace had it (checked by identity: ``from numpy import exp``,
``LogH = _NF["LogH"]``), so the generated function is the same code on the same objects as the
lambdified one: the same numbers, bit for bit.

A *plan* is plain data (strings, integers, tuples), written as a literal:

``bound``       names of the bound variables, outermost first (one array axis each)
``parameters``  sorted names of the free symbols that are not bound variables
``outputs``     output name -> level
``atoms``       one record per distinct special atom (its id is its index):
                ``("func", "LogH" | "GH", arg_level)``, ``("avg", v, f_level, E_level | None, e_id)``,
                ``("logsum", v, E_level, e_id)``; ``e_id`` numbers the distinct exponents E
``atom_free``   per atom, the bound variables free in it (those bound inside it excluded)
``exp_free``    per exponent id, the bound variables free in E

a *level* being ``(function name, argument symbol names, atom ids)``: the function is called with
the symbols' values followed by the atoms' values.
"""
from __future__ import annotations

import builtins
import importlib
import linecache
import re
from types import ModuleType
from typing import Dict, List, Mapping, Sequence, Tuple

import sympy as sp

from .special import NUMERIC_FUNCTIONS
from .symbolic import GH, Avg, LogH, LogSum, special_atoms

__all__ = ["SourceBuilder"]

_ATOM_TYPES = (Avg, LogSum, LogH, GH)
_MODULES = [NUMERIC_FUNCTIONS, "numpy", "scipy"]
_IMPORT_FROM = ("numpy", "scipy.special", "scipy", "math")
_SIGNATURE = re.compile(r"def _lambdifygenerated\((.*)\):")
_MISSING = object()


def _code_names(code) -> List[str]:
    names = list(code.co_names)
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            names += _code_names(c)
    return names


class SourceBuilder:
    """Collects the plans of several expression sets and the functions and imports they need."""

    def __init__(self):
        self._functions: Dict[str, str] = {}  # "(args):\n body" -> function name
        self._defs: List[str] = []
        self._imports: Dict[str, str] = {}  # global name -> the line that defines it

    # -- levels and functions ---------------------------------------------------------------------
    def level(self, expr, atoms: Dict) -> Tuple[str, Tuple[str, ...], Tuple[int, ...]]:
        """One level of expr: (function name, argument symbol names, atom ids); atoms seen for the
        first time get the next id in ``atoms`` (atom -> id)."""
        found = special_atoms(expr, _ATOM_TYPES)
        subs = {a: sp.Dummy("A") for a in found}
        ids = tuple(atoms.setdefault(a, len(atoms)) for a in found)
        body = expr.xreplace(subs)
        symbols = sorted(body.free_symbols - set(subs.values()), key=lambda s: s.name)
        fn = sp.lambdify(symbols + list(subs.values()), body, modules=_MODULES, cse=True)
        return self._function(fn), tuple(s.name for s in symbols), ids

    def _function(self, fn) -> str:
        """Add the lambdified fn's source (arguments renamed _p0, _p1, ...) once; its name."""
        text = "".join(linecache.cache[fn.__code__.co_filename][2])
        head, rest = text.split("\n", 1)
        m = _SIGNATURE.fullmatch(head)
        if m is None:
            raise RuntimeError(f"codegen: unexpected lambdify output {head!r}")
        args = [a.strip() for a in m.group(1).split(",") if a.strip()]
        canon = {a: f"_p{i}" for i, a in enumerate(args)}
        if canon:
            rest = re.sub(r"\b(" + "|".join(map(re.escape, args)) + r")\b", lambda t: canon[t.group(1)], rest)
        key = f"({', '.join(canon.values())}):\n{rest}"
        if key not in self._functions:
            name = self._functions[key] = f"_f{len(self._functions)}"
            self._defs.append(f"def {name}{key}")
            for n in _code_names(fn.__code__):
                self._import(n, fn.__globals__)
        return self._functions[key]

    def _import(self, n: str, namespace: Mapping) -> None:
        """The line that binds global ``n`` to the very object lambdify's namespace bound it to."""
        if n in self._imports:
            return
        obj = namespace.get(n, _MISSING)
        if obj is _MISSING or getattr(builtins, n, _MISSING) is obj:
            if obj is _MISSING and not hasattr(builtins, n):
                raise RuntimeError(f"codegen: lambdified code uses an undefined name {n!r}")
            return
        if NUMERIC_FUNCTIONS.get(n) is obj:
            line = f"{n} = _NF[{n!r}]"
        elif isinstance(obj, ModuleType):
            line = f"import {obj.__name__}" + ("" if obj.__name__ == n else f" as {n}")
        else:
            for mod in _IMPORT_FROM:
                if getattr(importlib.import_module(mod), n, _MISSING) is obj:
                    line = f"from {mod} import {n}"
                    break
            else:
                raise RuntimeError(f"codegen: cannot import the object {n!r} = {obj!r} used by lambdified code")
        self._imports[n] = line

    # -- plans --------------------------------------------------------------------------------------
    def plan(self, exprs: Mapping[str, sp.Expr], bound: Sequence[sp.Symbol]) -> dict:
        """The plan (module docstring) of the expressions compiled together over ``bound``."""
        bound = tuple(bound)
        atoms: Dict = {}
        outputs = {name: self.level(sp.sympify(e), atoms) for name, e in exprs.items()}
        records: Dict[int, tuple] = {}
        exps: Dict = {}
        while len(records) < len(atoms):  # breadth-first: an atom's levels may add inner atoms
            for a, i in list(atoms.items()):
                if i not in records:
                    records[i] = self._record(a, atoms, exps, bound)
        free = _FreeBound(bound)
        levels = list(outputs.values()) + [lv for r in records.values() for lv in r[2:4] if isinstance(lv, tuple)]
        bound_names = {v.name for v in bound}
        return {
            "bound": tuple(v.name for v in bound),
            "parameters": tuple(sorted({s for lv in levels for s in lv[1]} - bound_names)),
            "outputs": outputs,
            "atoms": tuple(records[i] for i in range(len(atoms))),
            "atom_free": tuple(free(a) for a, _ in sorted(atoms.items(), key=lambda t: t[1])),
            "exp_free": tuple(free(E) for E, _ in sorted(exps.items(), key=lambda t: t[1])),
        }

    def _record(self, a, atoms, exps, bound) -> tuple:
        if isinstance(a, (LogH, GH)):
            return ("func", type(a).__name__, self.level(a.args[0], atoms))
        if isinstance(a, Avg):
            f, E, v = a.args
            parts = (self.level(f, atoms), None if E == 0 else self.level(E, atoms))
        else:
            E, v = a.args
            parts = (self.level(E, atoms),)
        if v not in bound:
            raise ValueError(f"bound variable {v} is not in the declared list {bound}")
        eid = exps.setdefault(E, len(exps))
        return ("avg" if isinstance(a, Avg) else "logsum", v.name) + parts + (eid,)

    def source(self, plans: Mapping[str, dict], literals: Mapping[str, object] = (), doc: str = "") -> str:
        """The module: imports, functions, ``PLANS = {...}`` and any further literal assignments."""
        lines = [f'"""{doc or "Generated by theory.codegen."}"""',
                 "from theory.special import NUMERIC_FUNCTIONS as _NF"]
        lines += sorted(set(self._imports.values()))
        lines += [""] + [d.rstrip("\n") + "\n" for d in self._defs]
        lines.append(f"PLANS = {dict(plans)!r}")
        lines += [f"{k} = {v!r}" for k, v in dict(literals).items()]
        return "\n".join(lines) + "\n"


class _FreeBound:
    """Bound variables free in an expression, those bound inside it (v of Avg(f, E, v) and
    LogSum(E, v)) excluded: the evaluation memo keys name the nodes of these variables only."""

    def __init__(self, bound):
        self.names = {v: v.name for v in bound}
        self.cache: Dict = {}

    def __call__(self, e) -> Tuple[str, ...]:
        return tuple(sorted(self.names[s] for s in self._free(e) if s in self.names))

    def _free(self, e) -> frozenset:
        try:
            return self.cache[e]
        except KeyError:
            pass
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
        self.cache[e] = fs = frozenset(fs)
        return fs
