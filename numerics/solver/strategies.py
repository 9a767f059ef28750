"""The numerical strategies of the saddle-point iterator, one job each (they know no functional).

:class:`numerics.solver.saddle.SaddleProblem` strings them together (its module docstring gives the
order); each piece works on plain callables and arrays:

* **damped fixed point** — :func:`damped_proposal`, :func:`fixed_point_step`, :func:`slow_down`:
  ``x ← (1 − η) x + η x'`` with step fraction η (η = 1 is the undamped map; the solver's
  ``damping`` = 1 − η is the weight kept on the old value), η halved until the proposal stays in
  the domain, and cut ×0.7 (not below 0.05) whenever a sweep's step grew;
* **Newton–Broyden** — :func:`newton_broyden` on F(u) = 0 in unconstrained coordinates u:
  the direction :func:`newton_direction`, the line search :func:`backtrack`, the rank-one
  update :func:`broyden_update`, a forward-difference Jacobian :func:`forward_difference_jacobian`
  when none is given or a stale one stops descending, and the :class:`StallRule`;
* **hybr hand-over** — :func:`hybr_root` and :func:`hybr_accept`: MINPACK's trust-region hybrid
  method (scipy.optimize.root, ``method="hybr"``) where Newton–Broyden failed.

The floating-point operations are those of the single ``saddle.py`` they were split from, in the
same order: results are bit-identical.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

__all__ = ["damped_proposal", "fixed_point_step", "slow_down", "forward_difference_jacobian",
           "newton_direction", "backtrack", "broyden_update", "StallRule", "newton_broyden",
           "hybr_root", "hybr_accept"]

Residual = Callable[[np.ndarray], np.ndarray]


# -- damped fixed point ---------------------------------------------------------------------------------
def damped_proposal(x: Mapping[str, float], xnew: Mapping[str, float], eta: float, names: Sequence[str],
                    valid: Callable[[Dict[str, float]], bool]) -> Optional[Dict[str, float]]:
    """The damped step x ← (1 − e) x + e x' on ``names`` (other entries of x kept), with
    e = η, η/2, η/4, … while e > 1e-3, the first proposal that ``valid`` accepts (inside the
    parametrisation's domain); None when every e down to 1e-3 leaves it."""
    e = eta
    while e > 1e-3:
        prop = {**x, **{n: (1 - e) * x[n] + e * xnew[n] for n in names}}
        if valid(prop):
            return prop
        e *= 0.5
    return None


def fixed_point_step(x: Mapping[str, float], xnew: Mapping[str, float], names: Sequence[str]) -> float:
    """The step of a sweep, max_n |x'_n − x_n| over ``names`` (the order parameters)."""
    return max(abs(xnew[n] - x[n]) for n in names)


def slow_down(eta: float, step: float, prev: float) -> float:
    """The next step fraction: η ← max(0.05, 0.7 η) when the step grew (step > previous step),
    else η unchanged."""
    if step > prev:
        eta = max(0.05, eta * 0.7)
    return eta


# -- Newton–Broyden ---------------------------------------------------------------------------------------
class _Counted:
    """F that counts its evaluations (each one a sweep of the fixed-point map)."""

    def __init__(self, F: Residual):
        self.F, self.count = F, 0

    def __call__(self, v):
        self.count += 1
        return self.F(v)


FD_STEP = 1e-6  # the relative step of a forward-difference Jacobian ...
NOISY_FD_STEP = 1e-4  # ... and of the one rebuilt once where no step descends from it (see newton_broyden)


def forward_difference_jacobian(F: Residual, v: np.ndarray, r: np.ndarray, step: float = FD_STEP) -> np.ndarray:
    """J_ij = (F_i(v + h_j e_j) − r_i) / h_j with r = F(v) and h_j = ``step`` max(1, |v_j|)
    (n evaluations of F)."""
    J = np.empty((len(r), len(v)))
    for j in range(len(v)):
        h = step * max(1.0, abs(v[j]))
        vp = v.copy()
        vp[j] += h
        J[:, j] = (F(vp) - r) / h
    return J


def newton_direction(J: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The Newton step du = −J⁻¹ r (least squares, −J⁺ r, when J is singular)."""
    try:
        return -np.linalg.solve(J, r)
    except np.linalg.LinAlgError:
        return -np.linalg.lstsq(J, r, rcond=None)[0]


def backtrack(F: Residual, u: np.ndarray, du: np.ndarray, nr: float,
              tries: int = 12) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Backtracking on the max norm: t = 1, 1/2, 1/4, … (``tries`` of them) until
    u_t = u + t du has F(u_t) finite and max|F(u_t)| < (1 − 1e-4 t) nr, nr = max|F(u)|.
    Returns (u_t, F(u_t)), or None when no t descends."""
    t = 1.0
    for _ in range(tries):
        un = u + t * du
        rn = F(un)
        if np.all(np.isfinite(rn)) and np.max(np.abs(rn)) < (1 - 1e-4 * t) * nr:
            return un, rn
        t *= 0.5
    return None


def broyden_update(J: np.ndarray, s: np.ndarray, dr: np.ndarray) -> np.ndarray:
    """Broyden's ("good") rank-one update J ← J + (Δr − J s) sᵀ / (sᵀ s), s = u_new − u,
    Δr = F(u_new) − F(u): the least change of J that satisfies the secant condition J s = Δr."""
    return J + np.outer(dr - J @ s, s) / float(s @ s)


class StallRule:
    """Newton crawling: ``k`` accepted steps in a row that each cut max|r| by less than 30 %
    (max|r_new| > 0.7 max|r|).  The first such stall answers "rebuild" (perhaps a stale Broyden
    Jacobian: rebuild it once, and count afresh), the next "give up" (a narrow curved valley, an
    ill-conditioned Jacobian with cond ~ 1e5 at large y: backtracked steps crawl along it, MINPACK's
    trust region does better).  With k = None (or 0) the rule never fires."""

    def __init__(self, k: Optional[int]):
        self.k, self.slow, self.restarted = k, 0, False

    def after_step(self, nr_new, nr) -> Optional[str]:
        """Records an accepted step from max|r| = nr to nr_new; "rebuild", "give up" or None."""
        self.slow = self.slow + 1 if nr_new > 0.7 * nr else 0
        if self.k and self.slow >= self.k and not self.restarted:
            self.slow, self.restarted = 0, True
            return "rebuild"
        if self.k and self.slow >= self.k:
            return "give up"
        return None


def newton_broyden(F: Residual, u: np.ndarray, jac, tol: float, maxit: int, msgs: List[str],
                   stall: Optional[int] = None, max_evals: Optional[int] = None, noisy: bool = False):
    """Newton iteration with Broyden updates and backtracking on F(u) = 0.

    ``jac`` (from a neighbouring solution) is reused when given; otherwise, and whenever no
    backtracked step descends from a reused or updated Jacobian, a forward-difference Jacobian is
    built (n + 1 evaluations).  Each of at most ``maxit`` iterations: stop when max|r| < ``tol``;
    du = −J⁻¹ r; backtrack; Broyden update; the :class:`StallRule` with k = ``stall``.  With ``noisy``,
    where no step descends from a fresh Jacobian, it is built once more with the relative step
    :data:`NOISY_FD_STEP` (100 times the default) before Newton gives up: F carries noise of its own
    (quadrature, maximisers: ~1e-8 in the y → ∞ map of excitatory(3) at α = 0.52, d = 0.002), which
    a step of 1e-6 turns into errors of ~1e-2 in J, above its smallest singular value there (7e-4);
    Newton then found no descent step, where with the larger step it converged in 12-25 evaluations.
    A Newton run that converges without it is unchanged; one that fails anyway spends n + 1 more
    evaluations, which in an α_U search (many steps fail past a branch's end) cost more than it saved:
    excitatory(5), 7556 evaluations with it everywhere against 4850 without, the same α_U, so only
    the path steps of a cold call and of a curve ask for it
    (:func:`numerics.problems.large_y._fresh_newton`).  Failures are appended to ``msgs``.  ``max_evals`` caps the evaluations of F (checked after each
    iteration): a cheap continuation attempt that has not converged by then is given up.
    Returns (u, max|r|, J, evaluations of F, converged)."""
    F = _Counted(F)
    r = F(u)
    fresh = jac is None
    J = forward_difference_jacobian(F, u, r) if fresh else np.array(jac, dtype=float)
    rule = StallRule(stall)
    coarse = False  # the Jacobian with the larger step has been built
    for _ in range(maxit):
        nr = float(np.max(np.abs(r)))
        if nr < tol:
            return u, nr, J, F.count, True
        du = newton_direction(J, r)
        if not np.all(np.isfinite(du)):
            break
        found = backtrack(F, u, du, nr)
        if found is None:
            if fresh and (coarse or not noisy):
                msgs.append("newton: no descent step")
                break
            if fresh:  # a Jacobian dominated by the noise of F: once with the larger step
                J, coarse = forward_difference_jacobian(F, u, r, NOISY_FD_STEP), True
                continue
            J, fresh = forward_difference_jacobian(F, u, r), True  # stale Jacobian: rebuild it and retry
            continue
        un, rn = found
        J = broyden_update(J, un - u, rn - r)
        verdict = rule.after_step(np.max(np.abs(rn)), nr)
        u, r, fresh = un, rn, False
        if verdict == "rebuild":
            J, fresh = forward_difference_jacobian(F, u, r), True
        elif verdict == "give up":
            msgs.append(f"newton: stalled ({rule.slow} steps in a row cut the residual by less than 30 %)")
            break
        if max_evals is not None and F.count >= max_evals and np.max(np.abs(r)) >= tol:
            msgs.append(f"newton: {F.count} evaluations without converging (cap {max_evals})")
            break
    nr = float(np.max(np.abs(r)))
    return u, nr, J, F.count, nr < tol


# -- hybr hand-over -----------------------------------------------------------------------------------------
def hybr_root(F: Residual, u0: np.ndarray):
    """MINPACK's hybrid (trust-region dogleg) method from u0: scipy.optimize.root(method="hybr"),
    xtol = 1e-13, at most 25 (n + 1) evaluations of F.  Returns scipy's OptimizeResult."""
    return optimize.root(F, u0, method="hybr", options={"xtol": 1e-13, "maxfev": 25 * (len(u0) + 1)})


def hybr_accept(F: Residual, sol, tol: float) -> Optional[Tuple[np.ndarray, float]]:
    """hybr's answer is accepted when it is finite and max|F(u)| < ``tol`` there (re-evaluated:
    hybr may end on its xtol anywhere); returns (u, max|F(u)|) or None."""
    if np.all(np.isfinite(sol.x)):
        r = F(sol.x)
        if np.max(np.abs(r)) < tol:
            return sol.x, float(np.max(np.abs(r)))
    return None
