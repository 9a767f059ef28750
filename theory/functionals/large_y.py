"""The y → ∞ limit of the large-deviation free entropy (physics.md §3.2), to leading order in 1/y.

Scaling (derived from the finite-y functional of :mod:`.large_deviation` and checked against its
solutions up to y = 40, see :mod:`numerics.problems.extrapolation`):

    P = Q̃ − δP/y,  R = S − δR/y,  q0 = q1 − δq/y,       q̂0 = q̂1 − δ̂/y,  Q̂̃ = y Â,
    P̂ = O(1),      R̂ = O(1/y),     Ŝ, Q̂, q̂1 = O(1).

Then yΦ = y φ∞ + O(1) with, per unit y,

    φ∞ = G_T + G_S + α G_E
    G_T = ½ Â Q̃ − Ŝ S + ½ Q̂ Q + ½ q̂1 (q1 − δq) − ½ δ̂ q1
    G_S = E_z max_W̃ [ −½ Â W̃² + max_u ( −u²/2 + log Σ_W π(W) e^{−½(Q̂+q̂1)W² + (√q̂1 z + √δ̂ u + Ŝ W̃) W} ) ]
    G_E = E_z max_v [ −v²/(2δq) + log H((κ − √q1 z − v)/√(Q − q1)) ]

**The form used (stable as δ̂ → 0).**  With u = √δ̂ m and F(h) = log Σ_W π(W) e^{−½(Q̂+q̂1)W² + hW},
h = √q̂1 z + Ŝ W̃, the max over u is, exactly (δ̂ > 0),

    max_u ( −u²/2 + F(h + √δ̂ u) ) = F(h) + δ̂ max_m g(m),
    g(m) = −m²/2 + log1p(⟨expm1(δ̂ m W)⟩_h) / δ̂        (⟨·⟩_h: the measure of F at field h)

whose maximiser m* = ⟨W⟩ at field h + δ̂ m* lies in [min W, max W] and sees an objective of order one
with curvature of order one for every δ̂ (the shift u* ≈ √δ̂⟨W⟩ did not: located to ~1e-8 on values
of order one, it put noise ~1e-8/√δ̂ into the q1 equation, which divides by √δ̂).  The derived
∂/∂δ̂ = −m*²/2 + ⟨W e^{δ̂m*W}⟩m*/(1 + ⟨expm1⟩) → ½⟨W⟩_h² is stationary in m (its error is second
order in that of m*) and its 1/δ̂ terms cancel between values of order one; expm1/log1p keep
g accurate where δ̂ m W is below the rounding of 1.  δ̂ enters G_S as δ̂ + DH_REGULAR (1e-150),
so that δ̂ = 0 (α = 0, no patterns) is a regular point where G_S = E max_W̃ [−½ÂW̃² + F(h)] and
∂G_S/∂δ̂ = ½E⟨W⟩²; for δ̂ > 1e-134 the shift is below the rounding of δ̂ and changes no number.

* The ∫Du [·]^y of the copies becomes a maximisation over the copies' common field shift u
  (Laplace, u = √y·u'); the sum over the reference becomes a maximum over its value W̃ (its prior and
  its own field h̃ = O(1) drop out); the reference's pattern constraint Θ(g̃ + ũ − κ) is inactive to
  leading order (ũ ≈ (δR/δq) v keeps g̃ + ũ far above κ), so δP, δR enter only at O(1/y) and the
  result is the same for a reference required to be a solution or not.
* S_I = ∂_y(yΦ) → φ∞ (and Φ → φ∞); Σ = yΦ − y S_I is O(1) and is not given by this order.
* With the squared distance S = (Q + Q̃ − Δ² d)/2 and Ŝ is a free conjugate (its equation is the
  distance constraint).  With the Hamming distance the terms in Ŝ are replaced by λ d in G_T and
  −λ 1[W ≠ W̃] in the W exponent (λ a free conjugate): the overlap S appears nowhere else at this
  order, so (S, Ŝ) would be a redundant pair (Ŝ = 0, S arbitrary) and are not unknowns.
* The slope of the curve is ∂φ∞/∂d at the saddle point (envelope theorem): Δ²Ŝ/2 (squared), λ
  (Hamming).  For Ŝ → 0+ (squared) the maximum over W̃ turns degenerate and the overlap jumps, so a
  branch of solutions ends where its slope reaches 0 (numerics.analyses.alpha_u uses this).

The maximisations are written with the same atoms as sums, ``LogSum(E, x)`` and ``Avg(f, E, x)``:
the numerics give the maximised variables a *maximiser* rule (nodes at the argmax, weight 1), so that
LogSum is max_x E and Avg is f at the argmax — which is also the derivative of the maximum
(envelope theorem), so the derivation pipeline differentiates these expressions unchanged.  Second
derivatives of a maximum are not those of a sum, so no Gaussian integration by parts is applied here
(``gaussian = ()``): the derived equations keep the explicit z·(…) form.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..symbolic import Avg, LogH, LogSum, Neq, Tied, gauss
from .base import Functional
from .large_deviation import b, biased_energetic, f_out

__all__ = ["large_y", "reference_objective", "reference_baseline", "SYMBOLS_INF", "DH_REGULAR"]

# added to δ̂ in G_S so that δ̂ = 0 is a regular point (module docstring): far below any δ̂ the solver
# meets (1e-40 at binary α = 0.5, d = 0.001), far above the underflow of δ̂² (1e-300)
DH_REGULAR = 1e-150

Qt, S, Q, q1, dq = sp.symbols("Qt S Q q1 dq", positive=True)
Ath, Sh, Qh, q1h, dh, lam = sp.symbols("Ath Sh Qh q1h dh lam", real=True)
alpha, kappa, d, Delta = sp.symbols("alpha kappa d Delta", real=True)
z1, Wt, Wt0, u, W, v = sp.symbols("z1 Wt Wt0 u W v", real=True)
SYMBOLS_INF = {s.name: s for s in (Qt, S, Q, q1, dq, Ath, Sh, Qh, q1h, dh, lam, alpha, kappa, d, Delta,
                                   z1, Wt, Wt0, u, W, v, b, f_out)}


def _check(distance: str) -> None:
    if distance not in ("squared", "hamming"):
        raise ValueError(f"distance must be 'squared' or 'hamming', got {distance!r}")


@lru_cache(maxsize=None)
def reference_objective(distance: str = "squared") -> sp.Expr:
    """The objective maximised over the reference's value W̃ in G_S, a function of (z1, W̃):

        −½ Â W̃² + F(h) + δ̂ max_u [ −u²/2 + log1p(⟨expm1(δ̂ u W)⟩_h) / δ̂ ],   h = √q̂1 z + Ŝ W̃,

    F(h) = log Σ_W π(W) e^{−½(Q̂+q̂1)W² + hW} and ⟨·⟩_h its measure (Hamming: −λ 1[W ≠ W̃] in place of
    Ŝ W̃ W); this is max_{u'} ( −u'²/2 + F(h + √δ̂ u') ) with u' = √δ̂ u, written so that it stays
    accurate as δ̂ → 0 (module docstring).  The bound variable u is this scaled shift: its maximiser
    is ⟨W⟩ at field h + δ̂u, inside [min W, max W].  Where the argmax W̃ switches, G_S's integrand has a
    kink and the derived integrands a jump; the numerics give the outer Gaussian rule a panel edge
    at each switch (numerics.problems.large_y)."""
    _check(distance)

    def base(wt):  # the exponent at z = 0
        e0 = -(Qh + q1h) / 2 * W**2
        return e0 + (Sh * wt * W if distance == "squared" else -lam * Neq(W, wt))

    E0 = base(Wt)
    EW = E0 + sp.sqrt(q1h) * z1 * W
    delta = dh + DH_REGULAR
    g = -u**2 / 2 + log1p(Avg(expm1(delta * u * W), EW, W)) / delta
    t, mean = sp.sqrt(q1h) * z1, Avg(W, E0, W)
    field = t * mean + log1p(Avg(expm1(t * (W - mean)), E0, W))  # F(h) - F(h0), h0 = Ŝ W̃
    # −½ÂW̃² + F(h0) − c as one log-sum, so that no term of order one is left in the sum below (sympy
    # orders an Add's terms as it likes: F(h0) + field − c lost the field to rounding)
    core = LogSum(E0 - Ath / 2 * Wt**2 - reference_baseline(distance), W)
    # core vanishes at the best W̃ up to a rounding residue (~1e-16), the same for tied values (±W̃ of a
    # symmetric set); the terms that break the tie are O(√q̂1 z), 1e-32 at δq ~ 1e31 (binary, α = 0.3,
    # d = 0.002), which core + field rounded to that residue's ulp: every node with |z| < 0.5 then saw a
    # tie and took W̃ = −1, and the δq equation jumped by 2 % between neighbouring Ŝ.  Tied makes the
    # residue exactly 0 (theory.symbolic.Tied)
    return Tied(core) + field + delta * LogSum(g, u)


@lru_cache(maxsize=None)
def reference_baseline(distance: str = "squared") -> sp.Expr:
    """c = max_W̃ [ −½ Â W̃² + F(Ŝ W̃) ] (the reference's objective at z = 0 and δ̂ = 0; a maximum over
    the bound copy Wt0 of W̃), subtracted inside :func:`reference_objective` and added back in G_S.
    As q̂1 → 0 the objective's dependence on z (and so the choice of W̃) is O(√q̂1 z) on top of values
    of order one, which rounding hides (binary, α = 0.5, d = 0.0016: √q̂1 ~ 1e-14, so every node
    with |z| < 0.01 got a W̃ chosen by rounding noise, an error 4e-5 in the δq equation): with c
    taken off and F(h) − F(h0) written as log1p⟨expm1(√q̂1 z W)⟩, the differences between values of
    W̃ are computed to full relative precision (tied values, ±1 of symmetric sets, give identical
    bits for the O(1) part)."""
    _check(distance)
    e0 = -(Qh + q1h) / 2 * W**2 + (Sh * Wt0 * W if distance == "squared" else -lam * Neq(W, Wt0))
    return LogSum(-Ath / 2 * Wt0**2 + LogSum(e0, W), Wt0)


@lru_cache(maxsize=None)
def large_y(distance: str = "squared", biased: bool = False) -> Functional:
    """φ∞ = lim_{y→∞} Φ(d, y) (the Functional's value is φ∞ = lim S_I); see the module docstring.
    ``biased``: output bias b and coding level f_out (model parameters), G_E → f_out G_E(κ − b) +
    (1 − f_out) G_E(κ + b) (:func:`theory.functionals.large_deviation.biased_energetic`)."""
    _check(distance)
    trace = Ath * Qt / 2 + Qh * Q / 2 + q1h * (q1 - dq) / 2 - dh * q1 / 2
    if distance == "squared":  # the overlap with the reference is fixed by d; Ŝ is its multiplier
        trace += -Sh * (Q + Qt - Delta**2 * d) / 2
    else:  # Hamming: the multiplier λ of the fraction of differing synapses.  The overlap S enters
        # nothing else at this order (the reference's pattern constraint drops out), so it is not an
        # unknown here, unlike at finite y
        trace += lam * d
    entropic = reference_baseline(distance) + gauss(LogSum(reference_objective(distance), Wt), z1)
    def energetic_at(s):  # the margin shifted by s times the bias (module large_deviation: biased_energetic)
        return gauss(LogSum(-v**2 / (2 * dq) + LogH((kappa + s * b - sp.sqrt(q1) * z1 - v) / sp.sqrt(Q - q1)), v),
                     z1)

    energetic = biased_energetic(energetic_at) if biased else energetic_at(0)
    order = (Qt, Q, q1, dq)
    conj = (Ath, Qh, q1h, dh)
    pairs = tuple(zip(order, conj))
    conj = conj + ((Sh,) if distance == "squared" else (lam,))
    return Functional(
        name=f"large_y[{distance}{',bias' if biased else ''}]", order=order, conjugates=conj, pairs=pairs,
        model=(alpha, kappa, d, Delta) + ((b, f_out) if biased else ()), alpha=alpha, trace=trace, entropic=entropic, energetic=energetic,
        gaussian=(), state_vars=(W,), bound=(z1, Wt, Wt0, u, W, v), description=__doc__)
