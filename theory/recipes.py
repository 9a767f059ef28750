"""Derived equations by *recipe*: a process whose cache holds them starts computing without sympy.

:func:`theory.derive.derive` keys its cache entry by a hash of the functional's sympy trees, so even a
process that loads the entry builds the functional first: importing sympy and building the trees took
~0.4 s of a cold command-line point's ~2 s (interpreter start to the answer, y → ∞, binary synapses).
A recipe names what ``numerics`` derives instead: ``derived("large_y", ("squared", False), build,
__file__)``, where ``build()`` returns the functional and its extra expressions.

* The first process builds them with sympy (:func:`theory.derive.derive`, which loads or writes its
  entry as before) and writes beside that entry an **alias**: the recipe's key → the entry's kind,
  name and key, and the names of the unknowns (:attr:`theory.derived.Derived.names`).
* The recipe's key is :func:`theory.codecache.make_key` (the cache format, the fewbits and sympy
  versions, the bytes of the generating modules) of the recipe's name and arguments and the bytes of
  every source that states the functional: ``theory/functionals/*.py`` and the module ``origin``
  that states the recipe (its extra expressions).  Editing any of them gives a new key.
* A later process finds the alias, loads the entry it names (verified like every entry: its key and
  the checksum of its body, :func:`theory.codecache.load`) and never imports sympy.  The sympy side of
  a Derived loaded this way (``functional``, ``extra``, ``gradient``, ...) is built on first access.
* An alias that is missing, corrupt, or names an entry that is gone: the recipe is built again
  with sympy and the alias rewritten.  Same code, same objects: the same numbers, bit for bit.

:func:`compiled` does the same for a :class:`~theory.compile.CompiledSet` built from expressions.

This module imports no sympy.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Sequence, Tuple

from . import codecache
from .compile import CompiledSet
from .derived import SETS, Derived

__all__ = ["derived", "compiled"]

_FUNCTIONALS = Path(__file__).resolve().parent / "functionals"


@lru_cache(maxsize=None)
def _sources_digest(origin: str) -> str:
    """SHA-256 of the bytes of theory/functionals/*.py and of ``origin`` (the module stating a recipe)."""
    h = hashlib.sha256()
    for path in sorted(_FUNCTIONALS.glob("*.py")) + [Path(origin).resolve()]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _key(kind: str, recipe: str, args: Sequence, origin: str) -> str:
    return codecache.make_key("recipe", kind, recipe, repr(tuple(args)), _sources_digest(origin))


def _alias(recipe: str, key: str, kind: str) -> Optional[dict]:
    """The alias of a recipe of ``kind`` stored under ``key``, or None (missing, corrupt, another kind)."""
    hit = codecache.load("recipe", recipe, key)
    if hit is None:
        return None
    try:
        alias = json.loads(codecache.body(hit[0]))
    except ValueError:
        return None
    need = {"kind", "name", "key"} | ({"names"} if kind == "derived" else set())
    return alias if isinstance(alias, dict) and need <= set(alias) and alias["kind"] == kind else None


def _lookup(kind: str, recipe: str, args: Sequence, origin: str):
    """(the recipe's key, its alias, the namespace of the entry it names executed) or (key, None, None)
    where the alias or its entry (verified, :func:`theory.codecache.load`) is missing."""
    key = _key(kind, recipe, args, origin)
    alias = _alias(recipe, key, kind)
    hit = None if alias is None else codecache.load(alias["kind"], alias["name"], alias["key"])
    if hit is None:
        return key, None, None
    codecache.STATS["loaded"] += 1
    return key, alias, codecache.execute(*hit, label=f"{kind}_{alias['name']}_{alias['key'][:12]}")


def _derive_later(functional, extra) -> dict:
    """The sympy side of a Derived loaded by recipe, derived when first asked for (imports sympy then)."""
    from .derive import _derive_symbolic

    return _derive_symbolic(functional, extra)


def _remember(recipe: str, key: str, alias: dict) -> None:
    """Write the alias of a recipe just built (kept in memory where the folder cannot be written)."""
    codecache.store("recipe", recipe, key, json.dumps(alias, sort_keys=True))


def derived(recipe: str, args: Sequence, build: Callable[[], Tuple[object, dict]], origin: str) -> Derived:
    """The :class:`Derived` of ``build()`` = (functional, extra expressions) (module docstring)."""
    key, alias, ns = _lookup("derived", recipe, args, origin)
    if ns is not None:
        sets = [CompiledSet.from_plan(ns["PLANS"][s], ns) for s in SETS]
        return Derived(None, *sets, _derive_later, None, names=alias["names"], key=alias["key"], rebuild=build)
    from .derive import derive

    functional, extra = build()
    D = derive(functional, extra=extra)
    _remember(recipe, key, {"kind": "derived", "name": functional.name, "key": D.key, "names": D.names})
    return D


def compiled(recipe: str, args: Sequence, build: Callable[[], Tuple[dict, tuple]], origin: str) -> CompiledSet:
    """The :class:`CompiledSet` of ``build()`` = (expressions, bound variables) (module docstring)."""
    key, _, ns = _lookup("compiled", recipe, args, origin)
    if ns is not None:
        return CompiledSet.from_plan(ns["PLANS"]["set"], ns)
    cs = CompiledSet(*build())
    _remember(recipe, key, {"kind": "compiled", "name": cs.label, "key": cs.key})
    return cs
