"""The Functional: a replica free entropy written once, as data the derivation pipeline reads.

    Φ = G_T + G_S + α G_E

- ``trace`` G_T: plain sympy, bilinear in (order parameter, conjugate) pairs (plus terms in the model
  parameters), so that each stationarity condition of the trace part can be solved linearly.
- ``entropic`` G_S: Gaussian averages of ``LogSum`` over the synaptic states; depends on conjugates.
- ``energetic`` G_E: Gaussian averages of ``LogH`` (and ``LogSum`` over Gaussian variables);
  depends on order parameters, multiplied by the load ``alpha``.

``pairs`` lists (order parameter, conjugate) pairs in the sense of the fixed-point scheme of
physics.md §3.1: the conjugates follow from the energetic term, the order parameters from the entropic
one.  A conjugate without a partner (e.g. Ŝ when the overlap with the reference is fixed by the
distance) is a *free conjugate*: an unknown of the iterator whose own stationarity equation is solved
as a residual.  By default ``pairs = zip(order, conjugates)``.
``extremised`` lists parameters of the energetic term that may be optimised (the bias b), each
solved from ``∂Φ/∂p = 0``.  ``gaussian`` and ``state_vars`` name the bound variables by measure;
``bound`` orders all of them outermost first (each gets one array axis when evaluated).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

import sympy as sp

__all__ = ["Functional", "with_distance_unknowns"]


@dataclass(frozen=True)
class Functional:
    name: str
    order: Tuple[sp.Symbol, ...]
    conjugates: Tuple[sp.Symbol, ...]
    model: Tuple[sp.Symbol, ...]
    alpha: sp.Symbol
    trace: sp.Expr
    entropic: sp.Expr
    energetic: sp.Expr
    gaussian: Tuple[sp.Symbol, ...]
    state_vars: Tuple[sp.Symbol, ...]
    bound: Tuple[sp.Symbol, ...]
    extremised: Tuple[sp.Symbol, ...] = ()
    domains: Dict[sp.Symbol, str] = field(default_factory=dict)
    description: str = ""
    pairs: Tuple[Tuple[sp.Symbol, sp.Symbol], ...] = ()

    def __post_init__(self):
        if not self.pairs:
            if len(self.order) != len(self.conjugates):
                raise ValueError(f"{self.name}: give pairs explicitly when order and conjugates differ in length")
            object.__setattr__(self, "pairs", tuple(zip(self.order, self.conjugates)))

    @property
    def paired_order(self) -> Tuple[sp.Symbol, ...]:
        return tuple(o for o, _ in self.pairs)

    @property
    def paired_conjugates(self) -> Tuple[sp.Symbol, ...]:
        return tuple(c for _, c in self.pairs)

    @property
    def free_conjugates(self) -> Tuple[sp.Symbol, ...]:
        """Conjugates without a partner: unknowns solved from their own stationarity equation."""
        return tuple(c for c in self.conjugates if c not in self.paired_conjugates)

    @property
    def free_order(self) -> Tuple[sp.Symbol, ...]:
        return tuple(o for o in self.order if o not in self.paired_order)

    @property
    def value(self) -> sp.Expr:
        """Φ = G_T + G_S + α G_E."""
        return self.trace + self.entropic + self.alpha * self.energetic

    @property
    def unknowns(self) -> Tuple[sp.Symbol, ...]:
        return self.order + self.conjugates


def with_distance_unknowns(order, conj, distance, S, Sh, lam):
    """(order, conjugates, pairs) with the unknowns the distance brings: for ``hamming`` the overlap S
    paired with Ŝ plus the free multiplier λ; for ``squared`` Ŝ alone, a free conjugate (S is fixed
    by the distance)."""
    pairs = tuple(zip(order, conj))
    if distance == "hamming":
        return tuple(order) + (S,), tuple(conj) + (Sh, lam), pairs + ((S, Sh),)
    return tuple(order), tuple(conj) + (Sh,), pairs
