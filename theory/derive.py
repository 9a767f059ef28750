"""Derive the saddle-point equations of a Functional and compile them.

For Φ = G_T + G_S + α G_E (see :mod:`theory.functionals.base`):

* the **gradient** ∂Φ/∂θ for every order parameter, conjugate and extremised parameter, by
  ``sympy.diff`` with the rules of :mod:`theory.symbolic`, then Gaussian integration by parts;
* the **fixed-point scheme** of physics.md §3.1, obtained by solving the trace part *linearly*:

      ∂_{x_i} G_T + α ∂_{x_i} G_E = 0   →  conjugates  x̂ = X̂(x)   ("energetic step")
      ∂_{x̂_j} G_T + ∂_{x̂_j} G_S = 0   →  order params x = X(x̂)   ("entropic step")

  Each equation is solved for the *partner* of its variable (``Functional.pairs``).  Free
  conjugates (no partner, e.g. Ŝ when the distance fixes the overlap) and extremised parameters
  stay unknowns: their own equation is returned as a residual for the numerical iterator;
* any further expressions asked for (``extra``), e.g. ∂_y(yΦ) for the local entropy.

Nothing here is typed by hand: every equation is the derivative of the one functional.  The result
holds the sympy expressions (for reading, printing, testing) and three :class:`CompiledSet`
evaluators: ``energetic`` (x, model → x̂, residuals of extremised parameters), ``entropic``
(x̂, model → x) and ``full`` (Φ, its parts, every component of the gradient, extras).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Mapping, Tuple

import sympy as sp

from .compile import CompiledSet
from .functionals.base import Functional
from .symbolic import distribute, integrate_by_parts

__all__ = ["Derived", "derive", "gradient"]


def gradient(functional: Functional, expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """∂expr/∂s with Gaussian integration by parts over the functional's Gaussian variables."""
    return integrate_by_parts(sp.diff(expr, s), functional.gaussian)


@dataclass
class Derived:
    functional: Functional
    gradient: Dict[sp.Symbol, sp.Expr]
    conjugate_update: Dict[sp.Symbol, sp.Expr]
    order_update: Dict[sp.Symbol, sp.Expr]
    energetic_residuals: Dict[sp.Symbol, sp.Expr]
    entropic_residuals: Dict[sp.Symbol, sp.Expr]
    extra: Dict[str, sp.Expr]
    energetic: CompiledSet = field(repr=False)
    entropic: CompiledSet = field(repr=False)
    full: CompiledSet = field(repr=False)

    @property
    def unknowns(self) -> Tuple[sp.Symbol, ...]:
        """What the iterator solves for: paired order parameters, free conjugates and free order
        parameters, extremised parameters."""
        F = self.functional
        return F.paired_order + F.free_conjugates + F.free_order + F.extremised


def _solve_linear(equations, targets, what):
    """Solve the equations (each = 0) jointly for the targets; they must be linear in them."""
    if not targets:
        return {}
    sol = sp.solve(list(equations), list(targets), dict=True)
    if len(sol) != 1 or not all(t in sol[0] for t in targets):
        raise ValueError(f"derive: the {what} step cannot be solved linearly for {targets}")
    return {t: sp.simplify(sol[0][t]) for t in targets}


def derive(functional: Functional, extra: Mapping[str, sp.Expr] | None = None) -> Derived:
    """Differentiate, integrate by parts, solve the trace part linearly and compile everything."""
    F = functional
    x, xh = F.order, F.conjugates
    gT = {s: sp.diff(F.trace, s) for s in x + xh + F.extremised}
    gS = {s: gradient(F, F.entropic, s) for s in xh}
    gE = {s: gradient(F, F.energetic, s) for s in x + F.extremised}

    # energetic step: ∂_x G_T + α g_x = 0 for paired x, solved for their partner conjugates, with
    # the energetic derivatives g_x as placeholders (free conjugates enter as given values)
    gE_ph = {s: sp.Symbol(f"gE_{s.name}") for s in x}
    conj_sol = _solve_linear([gT[o] + F.alpha * gE_ph[o] for o in F.paired_order], F.paired_conjugates,
                             "energetic")
    # entropic step: ∂_x̂ G_T + g_x̂ = 0 for paired x̂, solved for their partner order parameters
    gS_ph = {s: sp.Symbol(f"gS_{s.name}") for s in xh}
    order_sol = _solve_linear([gT[c] + gS_ph[c] for c in F.paired_conjugates], F.paired_order, "entropic")

    back_E = {gE_ph[s]: gE[s] for s in x}
    back_S = {gS_ph[s]: gS[s] for s in xh}
    conjugate_update = {c: distribute(e.xreplace(back_E)) for c, e in conj_sol.items()}
    order_update = {o: distribute(e.xreplace(back_S)) for o, e in order_sol.items()}
    # residuals: a free conjugate's own equation (entropic side), a free order parameter's
    # (energetic side), and ∂Φ/∂p for extremised parameters p of the energetic term
    entropic_residuals = {c: gT[c] + gS[c] for c in F.free_conjugates}
    energetic_residuals = {o: gT[o] + F.alpha * gE[o] for o in F.free_order}
    energetic_residuals.update({p: gT[p] + F.alpha * gE[p] for p in F.extremised})

    grad = {}
    for s in x + F.extremised:
        grad[s] = gT[s] + F.alpha * gE[s]
    for s in xh:
        grad[s] = gT[s] + gS[s]
    extra = dict(extra or {})

    energetic = CompiledSet(
        {**{f"new_{c.name}": e for c, e in conjugate_update.items()},
         **{f"res_{s.name}": e for s, e in energetic_residuals.items()}},
        F.bound)
    entropic = CompiledSet(
        {**{f"new_{o.name}": e for o, e in order_update.items()},
         **{f"res_{s.name}": e for s, e in entropic_residuals.items()}},
        F.bound)
    full = CompiledSet(
        {"phi": F.value, "G_T": F.trace, "G_S": F.entropic, "G_E": F.energetic,
         **{f"grad_{s.name}": e for s, e in grad.items()}, **extra},
        F.bound)
    return Derived(F, grad, conjugate_update, order_update, energetic_residuals, entropic_residuals,
                   extra, energetic, entropic, full)
