"""The output bias that maximises the free entropy of a large-deviation measure, point by point.

``bias="optimal"`` (issue 21) means, at each level, the b that maximises the free entropy of the measure
asked for:

* equilibrium: ∂s/∂b = 0 (:mod:`numerics.problems.equilibrium`);
* Franz–Parisi: the reference's b̃ at the equilibrium optimum, the probes' b maximising S_FP(d)
  (:mod:`numerics.problems.franz_parisi`);
* finite y: one b for the reference and its y replicas (one perceptron, one threshold) maximising
  Φ(d, y) = (1/yN) log Σ_W̃ e^{yN S(W̃, d)}: as y → 0 the reference's own entropy dominates and b tends to
  the equilibrium optimum, as y → ∞ to the y → ∞ one (:mod:`numerics.problems.local_entropy`);
* y → ∞: b maximising φ∞ = S_I (:mod:`numerics.problems.large_y`).

At every level the order parameters are stationary, so dΦ/db = ∂Φ/∂b at the saddle point (envelope
theorem): the derived partial derivative, one solve per b.  :func:`optimal_bias_point` finds its zero by
secant steps (:func:`numerics.solver.continuation.secant_stationary`), each solve at fixed b warm from the
last, starting at the equilibrium optimum at the same (α, f_out, κ) (or at a neighbour's b).  At f_out = ½
the optimum is b = 0: by the label symmetry (f_out, b) ↔ (1 − f_out, −b) the free entropy is even in b.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

from ..solver.continuation import secant_stationary
from .results import LocalEntropyPoint

__all__ = ["OPTIMAL_BIAS_TOL", "OPTIMAL_BIAS_MAXITER", "optimal_bias_point", "equilibrium_bias", "off_zero",
           "not_optimal"]

#: |∂Φ/∂b| below which the bias is optimal (Φ moves by ~ tol² / |Φ''|: far below the residuals)
OPTIMAL_BIAS_TOL = 1e-8
OPTIMAL_BIAS_MAXITER = 12


def equilibrium_bias(states, alpha: float, kappa: float, f_out: float) -> float:
    """The equilibrium optimum b at (α, κ, f_out), where the searches start (0 if that solve fails)."""
    from .equilibrium import solve_equilibrium

    eq = solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out, bias="optimal")
    return float(eq.params["b"]) if eq.converged else 0.0


def off_zero(b: float) -> float:
    """b, moved to 1e-9 where it is exactly 0 (there the unbiased functional, without ∂Φ/∂b, is used)."""
    return b if b != 0.0 else 1e-9


def not_optimal(p: LocalEntropyPoint, why: str) -> LocalEntropyPoint:
    """A converged solve at fixed b that is not the optimal-bias point: reported as not converged."""
    p.saddle.converged = False
    p.saddle.message = f"not converged: {why} ({p.saddle.message})"
    p.note += f"; {why}"
    return p


def optimal_bias_point(solve_at: Callable[..., LocalEntropyPoint], *, f_out: float, init: Optional[dict], jacobian,
                       start_b: Callable[[], float], derivative: str, what: str = "phi") -> LocalEntropyPoint:
    """The point at the optimal bias.  ``solve_at(b, init, jacobian)`` solves at fixed b; ``derivative``
    names the derived ∂Φ/∂b among its saddle's parts; ``start_b()`` the first b when ``init`` carries none
    (the equilibrium optimum); ``what`` names Φ in messages.  Accepted where |∂Φ/∂b| <
    :data:`OPTIMAL_BIAS_TOL` and ∂Φ/∂b falls with b (a maximum).  Where Φ hardly depends on b (the y → ∞
    curve on the α = 0 one at small d) the first b is accepted: any b is optimal there.  The point's
    ``params`` carry ``"b"`` (so that a neighbour starts from it)."""
    if f_out == 0.5:
        p = solve_at(0.0, init, jacobian)
        if p.saddle is not None:
            p.saddle.params["b"] = 0.0
        p.note += f"; optimal bias b = 0 (f_out = 1/2: {what} is even in b)"
        return p
    b = float(init["b"]) if init is not None and "b" in init else start_b()
    state = {"start": None if init is None else {k: v for k, v in init.items() if k != "b"},
             "jacobian": jacobian, "iterations": 0}

    def evaluate(b):
        """The fixed-bias solve at b, warm from the last that converged; g None where it did not."""
        p = solve_at(off_zero(b), state["start"], state["jacobian"])
        state["iterations"] += p.saddle.iterations if p.saddle is not None else 0
        if not p.converged:
            return None, p
        state["start"], state["jacobian"] = dict(p.saddle.params), p.jacobian
        return float(p.saddle.parts.get(derivative, math.nan)), p

    r = secant_stationary(evaluate, off_zero(b), tol=OPTIMAL_BIAS_TOL, maxiter=OPTIMAL_BIAS_MAXITER)
    p, b, g = r.result, off_zero(r.x), r.g
    if r.status == "failed":
        p.note += f"; the search for the optimal bias stopped at b = {b:.6g} (this solve did not converge)"
        return p
    if r.status == "not finite":
        return not_optimal(p, f"d{what}/db is not finite: no optimal bias")
    if r.status == "maxiter":
        return not_optimal(p, f"the optimal bias was not found in {OPTIMAL_BIAS_MAXITER} solves (last b = {b:.6g}, "
                              f"d{what}/db = {g:.2e})")
    if r.prev is not None and (g - r.prev[1]) * (b - r.prev[0]) > 0:
        return not_optimal(p, f"b = {b:.6g} is a minimum of {what} in b, not the optimal bias")
    p.saddle.params["b"] = b
    p.saddle.iterations = state["iterations"]
    p.note += f"; optimal bias b = {b:.8g} (d{what}/db = {g:.1e}, {r.evaluations} solves)"
    return p
