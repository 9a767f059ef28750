"""The derived equations of a functional: what :func:`theory.derive.derive` returns.

Kept apart from :mod:`theory.derive` (which differentiates with sympy) so that a process that loads
its equations from the cache (:mod:`theory.recipes`) never imports sympy.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

from .compile import CompiledSet

__all__ = ["Derived", "SETS", "NAME_FIELDS", "unknown_names"]

SETS = ("energetic", "entropic", "full")
# the unknowns' names a solver reads (numerics.solver.saddle.SaddleProblem), by Functional field
NAME_FIELDS = ("order", "paired_order", "conjugates", "paired_conjugates", "extremised")


def unknown_names(functional) -> Dict[str, list]:
    """{field: [symbol names]} for the fields of :data:`NAME_FIELDS` of a Functional."""
    return {f: [s.name for s in getattr(functional, f)] for f in NAME_FIELDS}


class Derived:
    """The derived equations of a functional: the compiled ``energetic``, ``entropic`` and ``full``
    sets, the unknowns' ``names`` ({field of :data:`NAME_FIELDS`: [names]}), the cache ``key`` of the
    entry, and the sympy side: ``functional``, ``extra`` (name -> expression) and the derived
    expressions ``gradient``, ``conjugate_update``, ``order_update``, ``energetic_residuals``,
    ``entropic_residuals`` (symbol -> expression).

    The derived expressions of an entry loaded from the cache are derived again on first access;
    for one loaded by recipe (``rebuild``: a callable returning (functional, extra)), so are the
    functional and its extra expressions (sympy is imported then, not before)."""

    def __init__(self, functional, energetic: CompiledSet, entropic: CompiledSet, full: CompiledSet,
                 symbolic, extra: Optional[dict], *, names: Optional[Dict[str, list]] = None,
                 key: Optional[str] = None, rebuild: Optional[Callable[[], Tuple[object, dict]]] = None):
        self._functional, self._extra, self._rebuild = functional, extra, rebuild
        self.energetic, self.entropic, self.full = energetic, entropic, full
        self._symbolic = symbolic  # dict of the derived parts, or a callable (functional, extra) -> that dict
        self.names = names if names is not None else unknown_names(functional)
        self.key = key

    def _source(self):
        if self._rebuild is not None:
            self._functional, extra = self._rebuild()
            self._extra, self._rebuild = dict(extra or {}), None
        return self._functional, self._extra

    functional = property(lambda self: self._source()[0])
    extra = property(lambda self: self._source()[1])

    def _part(self, name: str) -> dict:
        if callable(self._symbolic):  # derive them now, from (functional, extra)
            self._symbolic = self._symbolic(*self._source())
        return self._symbolic[name]

    gradient = property(lambda self: self._part("gradient"))
    conjugate_update = property(lambda self: self._part("conjugate_update"))
    order_update = property(lambda self: self._part("order_update"))
    energetic_residuals = property(lambda self: self._part("energetic_residuals"))
    entropic_residuals = property(lambda self: self._part("entropic_residuals"))

    def __repr__(self):
        return f"Derived({self.functional.name!r}, outputs={list(self.full.levels)})"

    @property
    def unknowns(self) -> tuple:
        """What the iterator solves for: paired order parameters, free conjugates and free order
        parameters, extremised parameters."""
        F = self.functional
        return F.paired_order + F.free_conjugates + F.free_order + F.extremised
