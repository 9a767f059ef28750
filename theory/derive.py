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

**Cache.**  The compiled sets are written once as a generated Python module (:mod:`theory.codegen`)
in the cache folder (:mod:`theory.codecache`), keyed by the functional's parts and every extra (a
hash of their ``sympy.srepr`` trees), the fewbits and sympy versions and the source of the
generating modules.  A later ``derive`` of the same functional executes that module instead of
differentiating again: the same code on the same objects, so the same numbers, bit for bit.  The
entry holds the compiled code only: the sympy expressions of a loaded ``Derived`` (``gradient``,
``conjugate_update``, ...) are derived again on first access (seconds for the finite-y form; the
solvers never ask for them).  Written as ``srepr`` source they took 3.7 MB and 30 s for the
finite-y form (``srepr`` repeats shared subtrees).  ``derive(..., cache=False)`` derives in any case
and writes nothing.  ``STATS["derived"]`` counts the derivations done by this process.
"""

from __future__ import annotations

from typing import Dict, Mapping, Tuple

import sympy as sp

from . import codecache
from .compile import CompiledSet
from .derived import SETS, Derived, unknown_names
from .functionals.base import Functional
from .symbolic import distribute, integrate_by_parts

__all__ = ["Derived", "derive", "gradient", "STATS"]

STATS = {"derived": 0}


def gradient(functional: Functional, expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """∂expr/∂s with Gaussian integration by parts over the functional's Gaussian variables."""
    return integrate_by_parts(sp.diff(expr, s), functional.gaussian)


def _solve_linear(equations, targets, what):
    """Solve the equations (each = 0) jointly for the targets; they must be linear in them."""
    if not targets:
        return {}
    sol = sp.solve(list(equations), list(targets), dict=True)
    if len(sol) != 1 or not all(t in sol[0] for t in targets):
        raise ValueError(f"derive: the {what} step cannot be solved linearly for {targets}")
    return {t: sp.simplify(sol[0][t]) for t in targets}


def _derive_symbolic(F: Functional, extra: Dict[str, sp.Expr]) -> dict:
    """Differentiate, integrate by parts and solve the trace part linearly: the six sympy parts."""
    STATS["derived"] += 1
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
    # residuals: a free conjugate's own equation (entropic side), a free order parameter's
    # (energetic side), and ∂Φ/∂p for extremised parameters p of the energetic term
    energetic_residuals = {o: gT[o] + F.alpha * gE[o] for o in F.free_order}
    energetic_residuals.update({p: gT[p] + F.alpha * gE[p] for p in F.extremised})
    grad = {s: gT[s] + F.alpha * gE[s] for s in x + F.extremised}
    grad.update({s: gT[s] + gS[s] for s in xh})
    return {"gradient": grad,
            "conjugate_update": {c: distribute(e.xreplace(back_E)) for c, e in conj_sol.items()},
            "order_update": {o: distribute(e.xreplace(back_S)) for o, e in order_sol.items()},
            "energetic_residuals": energetic_residuals,
            "entropic_residuals": {c: gT[c] + gS[c] for c in F.free_conjugates},
            "extra": dict(extra)}


def _set_exprs(F: Functional, parts: dict) -> Dict[str, Dict[str, sp.Expr]]:
    """The outputs of the three compiled sets, by set."""
    return {
        "energetic": {**{f"new_{c.name}": e for c, e in parts["conjugate_update"].items()},
                      **{f"res_{s.name}": e for s, e in parts["energetic_residuals"].items()}},
        "entropic": {**{f"new_{o.name}": e for o, e in parts["order_update"].items()},
                     **{f"res_{s.name}": e for s, e in parts["entropic_residuals"].items()}},
        "full": {"phi": F.value, "G_T": F.trace, "G_S": F.entropic, "G_E": F.energetic,
                 **{f"grad_{s.name}": e for s, e in parts["gradient"].items()}, **parts["extra"]},
    }


def _functional_key(F: Functional, extra: Mapping[str, sp.Expr]) -> Tuple[str, ...]:
    """The strings that identify a derivation: the fingerprint (a Merkle hash of the srepr tree,
    :func:`theory.codecache.fingerprint`) of every part of F that derive reads and of every extra
    (in order); derive has no further options."""
    fields = ("order", "conjugates", "model", "alpha", "trace", "entropic", "energetic", "gaussian",
              "state_vars", "bound", "extremised", "pairs")
    parts = [f"name={F.name}"] + [f"{f}={codecache.fingerprint(getattr(F, f))}" for f in fields]
    parts.append("domains=" + repr(sorted((s.name, str(d)) for s, d in F.domains.items())))
    parts += [f"extra:{n}={codecache.fingerprint(sp.sympify(e))}" for n, e in extra.items()]
    return tuple(parts)


def derive(functional: Functional, extra: Mapping[str, sp.Expr] | None = None, cache: bool = True) -> Derived:
    """Differentiate, integrate by parts, solve the trace part linearly and compile everything;
    or load all of it from the cache (module docstring)."""
    F = functional
    extra = dict(extra or {})
    key = codecache.make_key("derive", *_functional_key(F, extra))
    built = {}

    def build() -> str:
        built["parts"] = _derive_symbolic(F, extra)
        return _module_source(F, built["parts"])

    if cache:
        hit, _ = codecache.load_or_build("derived", F.name, key, build)
    else:
        codecache.STATS["built"] += 1
        hit = (build(), None)
    ns = codecache.execute(*hit, label=f"derived_{F.name}_{key[:12]}")
    sets = {s: CompiledSet.from_plan(ns["PLANS"][s], ns) for s in SETS}
    # a loaded entry derives its sympy results again only if asked for (reading, tests): module docstring
    symbolic = built.get("parts") or _derive_symbolic
    return Derived(F, sets["energetic"], sets["entropic"], sets["full"], symbolic, extra,
                   names=unknown_names(F), key=key)


def _module_source(F: Functional, parts: dict) -> str:
    from .codegen import SourceBuilder

    builder = SourceBuilder()
    plans = {s: builder.plan(exprs, F.bound) for s, exprs in _set_exprs(F, parts).items()}
    doc = f"Derived equations of the functional {F.name!r} (theory.derive); generated, do not edit."
    return builder.source(plans, doc=doc)
