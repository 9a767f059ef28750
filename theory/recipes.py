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


def _alias(recipe: str, key: str) -> Optional[dict]:
    """The alias stored under ``key``, or None (missing, corrupt, not an alias)."""
    hit = codecache.load("recipe", recipe, key)
    if hit is None:
        return None
    try:
        alias = json.loads(codecache.body(hit[0]))
    except ValueError:
        return None
    return alias if isinstance(alias, dict) and {"kind", "name", "key"} <= set(alias) else None


def _entry(alias: Optional[dict]):
    """(text, path) of the entry an alias names, verified; None if there is none."""
    if alias is None:
        return None
    return codecache.load(alias["kind"], alias["name"], alias["key"])


def derived(recipe: str, args: Sequence, build: Callable[[], Tuple[object, dict]], origin: str) -> Derived:
    """The :class:`Derived` of ``build()`` = (functional, extra expressions) (module docstring)."""
    key = _key("derived", recipe, args, origin)
    alias = _alias(recipe, key)
    hit = _entry(alias)
    if hit is not None and "names" in alias:
        codecache.STATS["loaded"] += 1
        ns = codecache.execute(*hit, label=f"derived_{alias['name']}_{alias['key'][:12]}")
        sets = [CompiledSet.from_plan(ns["PLANS"][s], ns) for s in SETS]
        return Derived(None, *sets, None, None, names=alias["names"], key=alias["key"], rebuild=build)
    from .derive import derive

    functional, extra = build()
    D = derive(functional, extra=extra)
    body = {"kind": "derived", "name": functional.name, "key": D.key, "names": D.names}
    codecache.store("recipe", recipe, key, json.dumps(body, sort_keys=True))
    return D


def compiled(recipe: str, args: Sequence, build: Callable[[], Tuple[dict, tuple]], origin: str) -> CompiledSet:
    """The :class:`CompiledSet` of ``build()`` = (expressions, bound variables) (module docstring)."""
    key = _key("compiled", recipe, args, origin)
    alias = _alias(recipe, key)
    hit = _entry(alias)
    if hit is not None:
        codecache.STATS["loaded"] += 1
        ns = codecache.execute(*hit, label=f"compiled_{alias['key'][:12]}")
        return CompiledSet.from_plan(ns["PLANS"]["set"], ns)
    cs = CompiledSet(*build())
    body = {"kind": "compiled", "name": cs.label, "key": cs.key}
    codecache.store("recipe", recipe, key, json.dumps(body, sort_keys=True))
    return cs
