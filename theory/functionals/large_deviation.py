"""Replica-symmetric large-deviation free entropy Φ(d, y) and its y → 0 limit (physics.md §3).

References W̃^a (a = 1..n → 0), each with y constrained copies W^{ab} at distance d.  Order
parameters and their conjugates (``−½ X̂ W²`` convention for self terms):

    Q̃ = W̃·W̃/N (Q̂̃)   P = W̃^a·W̃^{a'}/N (P̂)   S = W̃^a·W^{ab}/N (Ŝ)   R = W̃^a·W^{a'b}/N (R̂)
    Q = W·W/N (Q̂)      q1 = W^{ab}·W^{ab'}/N (q̂1)                  q0 = W^{ab}·W^{a'b'}/N (q̂0)

    yΦ = G_T + G_S + α G_E
    G_T = ½ Q̂̃ Q̃ + ½ P̂ P − y Ŝ S + y R̂ R + ½ y Q̂ Q − ½ y(y−1) q̂1 q1 + ½ y² q̂0 q0
    G_S = E_{h̃,h} log Σ_W̃ π e^{−½(Q̂̃+P̂)W̃² + h̃W̃} ∫Du [Σ_W π e^{−½(Q̂+q̂1)W² + (h + √(q̂1−q̂0) u + (Ŝ−R̂)W̃)W}]^y
    G_E = E_{g̃,g} log ∫Du H((κ − g̃ − β u)/σ̃)^c H((κ − g − √(q1−q0) u)/√(Q−q1))^y

(bias b = 0: then the σ = ±1 branches coincide and f_out drops out; with a bias, ``biased=True``, G_E is
the f_out-weighted pair of branches of :func:`biased_energetic`), β = (S − R)/√(q1 − q0), σ̃² = Q̃ − P − β² (the ũ integral done as one H given u),
``c = 1`` when the reference must be a solution, ``c = 0`` when it is free.
The Franz–Parisi limit may give the reference its own margin κ̃ (``kappa_t``): its constraint then
reads H((κ̃ − g̃ − β u)/σ̃) while the probes keep H((κ − g − …)/√(Q − q1)); κ̃ = κ is the one-margin
functional (physics.md §3).

Distances (Δ = max S − min S):
* ``squared``: Δ² d = Q + Q̃ − 2S, so S is *not* an independent order parameter; it is replaced by
  (Q + Q̃ − Δ² d)/2 and Ŝ becomes a free conjugate (its own equation is the distance constraint);
* ``hamming``: d = mean 1[W ≠ W̃] is imposed by a multiplier λ: ``−λ 1[W ≠ W̃]`` in the W exponent
  and ``+ y λ d`` in G_T; S is then an ordinary order parameter paired with Ŝ, λ a free conjugate.

Parametrisations of the quenched Gaussian pairs (``form``):
* ``heat_kernel``: h = √q̂0 z₁, h̃ = (R̂/√q̂0) z₁ + w with w of variance P̂ − R̂²/q̂0 averaged to first
  order (E_w F(x₀ + w) ≈ F(x₀) + ½ var F''(x₀)); likewise on the energetic side.  One outer field,
  and it continues through the rank-one limit that large y approaches (physics.md §3.2);
* ``cholesky``: h = √q̂0 z₁, h̃ = (R̂/√q̂0) z₁ + √(P̂ − R̂²/q̂0) z₂ (likewise g, g̃ with q0, R, P);
* ``rank_one``: q̂0 = R̂²/P̂ and q0 = R²/P, so that h̃ = √P̂ z₁, h = (R̂/√P̂) z₁ (one outer field).
  The y → 0 coefficient does not depend on q0, q̂0 (only the joint law of (h̃, h + √(q̂1−q̂0)u)
  enters it), so this choice is exact for the Franz–Parisi potential.

:func:`franz_parisi` derives the y → 0 limit from this same expression:
yΦ = s_eq + y S_FP + O(y²), so S_FP = ∂_y(yΦ)|_{y=0} with the reference's order parameters at
their equilibrium values (Q̃ = Q_eq, P = q_eq, P̂ = q̂_eq, Q̂̃ = A_eq − q̂_eq) — with two margins, the
equilibrium at the reference's margin κ̃.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..symbolic import LogH, LogSum, Neq, gauss
from .base import Functional, with_distance_unknowns

__all__ = ["large_deviation", "franz_parisi", "unit_y", "unit_y_slope", "SYMBOLS"]

_pos = dict(positive=True)
Qt, P, S, R, Q, q1, q0 = sp.symbols("Qt P S R Q q1 q0", **_pos)
Qth, Ph, Sh, Rh, Qh, q1h, q0h, lam = sp.symbols("Qth Ph Sh Rh Qh q1h q0h lam", real=True)
alpha, kappa, b, f_out, y, d, Delta = sp.symbols("alpha kappa b f_out y d Delta", real=True)
kappa_t = sp.Symbol("kappa_t", real=True)  # the reference's own margin κ̃ (Franz–Parisi, two margins)
b_t = sp.Symbol("b_t", real=True)  # the reference's own bias b̃ (Franz–Parisi with a bias)
z1, z2, Wt, u, W, v = sp.symbols("z1 z2 Wt u W v", real=True)
SYMBOLS = {s.name: s for s in (Qt, P, S, R, Q, q1, q0, Qth, Ph, Sh, Rh, Qh, q1h, q0h, lam, alpha, kappa,
                                kappa_t, b, b_t, f_out, y, d, Delta, z1, z2, Wt, u, W, v)}


def _overlap_with_reference(distance: str):
    """S = W̃·W/N: (Q + Q̃ − Δ² d)/2 for the squared distance (fixed by d), the unknown S for Hamming."""
    return (Q + Qt - Delta**2 * d) / 2 if distance == "squared" else S


def _parts(reference: str, distance: str, form: str, kappa_ref=kappa, biased: bool = False, bias_ref=b):
    """(G_T, G_S, G_E) of yΦ; ``kappa_ref`` is the margin in the reference's constraint (κ unless the
    reference has its own, κ̃).  ``biased``: the output bias b and coding level f_out (module docstring,
    :func:`biased_energetic`); ``bias_ref`` the bias in the reference's constraint (b unless it has its
    own, b̃)."""
    if reference not in ("solution", "free"):
        raise ValueError(f"reference must be 'solution' or 'free', got {reference!r}")
    if distance not in ("squared", "hamming"):
        raise ValueError(f"distance must be 'squared' or 'hamming', got {distance!r}")
    if form not in ("cholesky", "rank_one", "heat_kernel"):
        raise ValueError(f"form must be 'cholesky', 'rank_one' or 'heat_kernel', got {form!r}")
    c = 1 if reference == "solution" else 0
    S_ov = _overlap_with_reference(distance)
    qq0, qq0h = (R**2 / P, Rh**2 / Ph) if form == "rank_one" else (q0, q0h)

    trace = (Qth * Qt / 2 + Ph * P / 2 - y * Sh * S_ov + y * Rh * R + y * Qh * Q / 2
             - y * (y - 1) * q1h * q1 / 2 + y**2 * qq0h * qq0 / 2)
    if distance == "hamming":
        trace += y * lam * d

    # entropic side: probe field h (variance q̂0) and reference field h̃ (variance P̂, covariance R̂)
    h, ht, average_S = _quenched_pair(form, q0h, Rh, Ph)
    EW = -(Qh + q1h) / 2 * W**2 + (h + sp.sqrt(q1h - qq0h) * u + (Sh - Rh) * Wt) * W
    if distance == "hamming":
        EW += -lam * Neq(W, Wt)
    EWt = -(Qth + Ph) / 2 * Wt**2 + ht * Wt + LogSum(y * LogSum(EW, W), u)
    entropic = average_S(LogSum(EWt, Wt))

    # energetic side: probe field g (variance q0) and reference field g̃ (variance P, covariance R)
    g, gt, average_E = _quenched_pair(form, q0, R, P)
    var_u = q1 - qq0
    beta = (S_ov - R) / sp.sqrt(var_u)
    sig_t = sp.sqrt(Qt - P - beta**2)

    def branch(k, k_ref):
        E = y * LogH((k - g - sp.sqrt(var_u) * v) / sp.sqrt(Q - q1))
        if c:
            E += LogH((k_ref - gt - beta * v) / sig_t)
        return LogSum(E, v)

    if biased:
        energetic = biased_energetic(lambda s: average_E(branch(kappa + s * b, kappa_ref + s * bias_ref)))
    else:  # with bias b = 0 the σ = ±1 branches coincide (the fields are symmetric), whatever f_out
        energetic = average_E(branch(kappa, kappa_ref))
    return trace, entropic, energetic


def biased_energetic(energetic_at):
    """f_out G_E(κ − b) + (1 − f_out) G_E(κ + b): ``energetic_at(s)`` is the unbiased term with every margin
    shifted by s times its bias (s = −1 for σ = +1, s = +1 for σ = −1).  A pattern of label σ is stored iff σ(ξ·W/√N + b) > κ; with ±1 inputs the field
    ξ·W/√N (and each replica's, and the reference's) is a centred Gaussian family whose law is even,
    so σ = −1 is σ = +1 with the threshold κ + b in place of κ − b (every field of the pattern flipped
    together: the reference and its replicas share the pattern and its label).  The label is quenched,
    so its average stays outside the log.  At b = 0 the two terms coincide and f_out drops out."""
    return f_out * energetic_at(-1) + (1 - f_out) * energetic_at(1)


_XT = sp.Symbol("xt", real=True)  # placeholder for the reference field in the heat-kernel form


def _quenched_pair(form, var_probe, cov, var_ref):
    """(probe field, reference field, the Gaussian average to apply) for one quenched pair.

    cholesky:    probe = √var_p z₁, ref = (cov/√var_p) z₁ + √(var_ref − cov²/var_p) z₂
    heat_kernel: probe = √var_p z₁, ref = x̃ averaged by :func:`_heat_kernel` around (cov/√var_p) z₁
    rank_one:    ref = √var_ref z₁, probe = (cov/√var_ref) z₁
    """
    if form == "cholesky":
        ref = cov / sp.sqrt(var_probe) * z1 + sp.sqrt(var_ref - cov**2 / var_probe) * z2
        return sp.sqrt(var_probe) * z1, ref, lambda F: gauss(gauss(F, z2), z1)
    if form == "heat_kernel":
        def average(F):
            return gauss(_heat_kernel(F, _XT, cov / sp.sqrt(var_probe) * z1, var_ref - cov**2 / var_probe), z1)
        return sp.sqrt(var_probe) * z1, _XT, average
    return cov / sp.sqrt(var_ref) * z1, sp.sqrt(var_ref) * z1, lambda F: gauss(F, z1)


def _heat_kernel(F, x, x0, var):
    """E_w F(x0 + w) with w ~ N(0, var), to first order in var: F(x0) + ½ var F''(x0).

    physics.md §3.2: writing the reference field as x = x0 + w, with x0 the part correlated with
    the probes' field and w the residual of variance var (P̂ − R̂²/q̂0, or P − R²/q0), the first-order
    heat-kernel expansion continues analytically through var = 0, where the conjugate (overlap)
    matrix becomes rank one as y grows, and where a real Gaussian w stops existing.
    """
    return (F + var / 2 * sp.diff(F, x, 2)).xreplace({x: x0})


@lru_cache(maxsize=None)
def large_deviation(reference: str = "solution", distance: str = "squared", form: str = "cholesky",
                    biased: bool = False) -> Functional:
    """The finite-y functional yΦ(d, y) (the Functional's value is yΦ, not Φ); ``biased``: with the
    output bias b and coding level f_out as model parameters (:func:`biased_energetic`)."""
    trace, entropic, energetic = _parts(reference, distance, form, biased=biased)
    order = (Qt, P, R, Q, q1) + (() if form == "rank_one" else (q0,))
    conj = (Qth, Ph, Rh, Qh, q1h) + (() if form == "rank_one" else (q0h,))
    order, conj, pairs = with_distance_unknowns(order, conj, distance, S, Sh, lam)
    bound = (z1, z2, Wt, u, W, v) if form == "cholesky" else (z1, Wt, u, W, v)
    return Functional(
        name=f"large_deviation[{reference},{distance},{form}{',bias' if biased else ''}]",
        order=order, conjugates=conj, pairs=pairs,
        model=(alpha, kappa, y, d, Delta) + ((b, f_out) if biased else ()), alpha=alpha,
        trace=trace, entropic=entropic, energetic=energetic,
        gaussian=(z1, z2, u, v) if form == "cholesky" else (z1, u, v), state_vars=(Wt, W), bound=bound,
        description=__doc__)


@lru_cache(maxsize=None)
def franz_parisi(distance: str = "squared", reference_margin: bool = False, biased: bool = False) -> Functional:
    """S_FP = ∂_y(yΦ)|_{y=0}, reference a typical equilibrium solution (its parameters fixed).

    Unknowns: R, Q, q1 (with R̂, Q̂, q̂1), Ŝ (and S, λ for the Hamming distance).  The reference's
    Q̃, P, Q̂̃, P̂ are model parameters, to be set to the equilibrium values at the same α.

    ``reference_margin=True``: the reference is a typical solution of margin κ̃ (model parameter
    ``kappa_t``), the probes solutions of margin κ:

        G_E → E_{g̃,g} [∫Dv H((κ̃ − g̃ − βv)/σ̃) log H((κ − g − √(q1 − q0) v)/√(Q − q1))] / E_v H(…)

    (the y-derivative at y = 0), and Q̃, P, Q̂̃, P̂ are the equilibrium values at margin κ̃.  At
    κ̃ = κ it is the one-margin functional term by term.

    ``biased=True``: output coding level f_out, the probes' bias b and the reference's b̃ (``b_t``; model
    parameters): G_E becomes f_out G_E(κ − b, κ̃ − b̃) + (1 − f_out) G_E(κ + b, κ̃ + b̃)
    (:func:`biased_energetic`), and Q̃, P, Q̂̃, P̂ are those of the equilibrium at b̃ and f_out.  One
    perceptron with one threshold has b = b̃; with 0/1 inputs each configuration's O(1) bias is set by its
    own Σ W, so the probes' b is free (README 'Conventions').
    """
    trace, entropic, energetic = _parts("solution", distance, "rank_one",
                                        kappa_t if reference_margin else kappa, biased=biased, bias_ref=b_t)
    dy = lambda e: sp.diff(e, y).subs(y, 0)  # noqa: E731
    order = (R, Q, q1)
    conj = (Rh, Qh, q1h)
    order, conj, pairs = with_distance_unknowns(order, conj, distance, S, Sh, lam)
    return Functional(
        name=f"franz_parisi[{distance}{',kappa_t' if reference_margin else ''}{',bias' if biased else ''}]",
        order=order, conjugates=conj, pairs=pairs,
        model=(alpha, kappa) + ((kappa_t,) if reference_margin else ()) + (d, Delta, Qt, P, Qth, Ph)
        + ((b, b_t, f_out) if biased else ()), alpha=alpha,
        trace=dy(trace), entropic=dy(entropic), energetic=dy(energetic),
        gaussian=(z1, u, v), state_vars=(Wt, W), bound=(z1, Wt, u, W, v),
        description=franz_parisi.__doc__)


def _drop_trivial_sums(expr, var):
    """LogSum(E, var) → E where E does not depend on var (the measure of var has total mass one)."""
    return expr.replace(lambda e: isinstance(e, LogSum) and e.args[1] == var and not e.args[0].has(var),
                        lambda e: e.args[0])


def unit_y_q1(reference: str, distance: str):
    """The value q1 is given in :func:`unit_y` (yΦ does not depend on it at y = 1): q0 for a free
    reference (the v integral disappears), else the middle of the annealed pair's range
    (q0 + A, Q), A = (S − R)²/(Q̃ − P), where both H factors of G_E keep a finite width."""
    if reference == "free":
        return q0
    A = (_overlap_with_reference(distance) - R) ** 2 / (Qt - P)
    return (q0 + A + Q) / 2


@lru_cache(maxsize=None)
def unit_y(reference: str = "solution", distance: str = "squared", form: str = "heat_kernel",
           biased: bool = False) -> Functional:
    """yΦ at y = 1, where q1 and q̂1 drop out: the first stage of the y = 1 point.

    At y = 1 the u integral of G_S is one Gaussian average of an exponential, ∫Du e^{√(q̂1−q̂0) u W} =
    e^{(q̂1−q̂0) W²/2}, so q̂1 leaves G_S (set q̂1 = q̂0: the u integral disappears); in G_E the pair
    (u, the probe's own noise) adds up to one field of variance Q − q0 whatever q1 is, and the trace's
    ½ y(y−1) q̂1 q1 vanishes.  So

        yΦ|_{y=1} = f0(Q̃, P, R, Q, q0; their conjugates, Ŝ),

    with q1 set to :func:`unit_y_q1` (any value in its range gives the same f0; the derivatives of
    f0 with respect to the other unknowns then carry the analytically vanishing ∂f0/∂q1 only as
    quadrature error).  The second stage is :func:`unit_y_slope`."""
    if form not in ("cholesky", "heat_kernel"):
        raise ValueError(f"form must be 'cholesky' or 'heat_kernel' at y = 1, got {form!r}")
    trace, entropic, energetic = _parts(reference, distance, form, biased=biased)
    at_one = {y: 1, q1h: q0h, q1: unit_y_q1(reference, distance)}
    trace, entropic, energetic = (sp.expand(trace.subs(at_one)), _drop_trivial_sums(entropic.subs(at_one), u),
                                  _drop_trivial_sums(energetic.subs(at_one), v))
    order, conj, pairs = with_distance_unknowns((Qt, P, R, Q, q0), (Qth, Ph, Rh, Qh, q0h), distance, S, Sh, lam)
    outer = (z1, z2) if form == "cholesky" else (z1,)
    inner = (v,) if energetic.has(v) else ()
    return Functional(
        name=f"unit_y[{reference},{distance},{form}{',bias' if biased else ''}]", order=order, conjugates=conj,
        pairs=pairs, model=(alpha, kappa, d, Delta) + ((b, f_out) if biased else ()), alpha=alpha, trace=trace, entropic=entropic, energetic=energetic,
        gaussian=outer + inner, state_vars=(Wt, W), bound=outer + (Wt, W) + inner, description=unit_y.__doc__)


@lru_cache(maxsize=None)
def unit_y_slope(reference: str = "solution", distance: str = "squared", form: str = "heat_kernel",
                 biased: bool = False) -> Functional:
    """f1 = ∂_y(yΦ)|_{y=1} as a functional of q1 and q̂1, the other unknowns fixed at the first stage's
    saddle point (:func:`unit_y`, model parameters here): the second stage of the y = 1 point.

    Write yΦ = f0(x) + (y − 1) f1(x, q1, q̂1) + O((y − 1)²), x the other unknowns.  Stationarity in
    (q1, q̂1) at y → 1 is stationarity of f1 at x = x0, the saddle point of f0 (x moves by O(y − 1)
    only), and S_I = ∂_y(yΦ) = f1(x0, q1*, q̂1*).  The trace gives −½ q̂1 q1 (the derivative of
    −½ y(y−1) q̂1 q1), so the fixed-point scheme is q̂1 = 2α ∂_{q1} G_E', q1 = 2 ∂_{q̂1} G_S'."""
    if form not in ("cholesky", "heat_kernel"):
        raise ValueError(f"form must be 'cholesky' or 'heat_kernel' at y = 1, got {form!r}")
    trace, entropic, energetic = _parts(reference, distance, form, biased=biased)
    dy = lambda e: sp.diff(e, y).subs(y, 1)  # noqa: E731
    fixed = (Qt, P, R, Q, q0, Qth, Ph, Rh, Qh, q0h, Sh) + ((S, lam) if distance == "hamming" else ())
    gauss_vars = (z1, z2, u, v) if form == "cholesky" else (z1, u, v)
    bound = (z1, z2, Wt, u, W, v) if form == "cholesky" else (z1, Wt, u, W, v)
    return Functional(
        name=f"unit_y_slope[{reference},{distance},{form}{',bias' if biased else ''}]", order=(q1,),
        conjugates=(q1h,), model=(alpha, kappa, d, Delta) + fixed + ((b, f_out) if biased else ()), alpha=alpha,
        trace=sp.expand(dy(trace)), entropic=dy(entropic), energetic=dy(energetic),
        gaussian=gauss_vars, state_vars=(Wt, W), bound=bound, description=unit_y_slope.__doc__)
