"""The saddle-point iterator for derived replica functionals.

A :class:`SaddleProblem` wraps a :class:`theory.derive.Derived` with the numerical choices that the
theory leaves open: the nodes of every bound variable (quadrature and synaptic states), and a
parametrisation of the unknowns that keeps them in their domain.  The unknowns ``x`` are the order
parameters (plus extremised parameters such as an optimal bias); one **sweep** is

    x  --energetic step-->  x̂ = X̂(x)  --entropic step-->  x' = X(x̂)

(physics.md §3.1: conjugates from the energetic term, order parameters from the entropic one) and a
fixed point x' = x is a stationary point of Φ.

Algorithm (:meth:`SaddleProblem.solve`; the pieces are in :mod:`numerics.solver.strategies` and
:mod:`numerics.solver.inner_root`):

1. a few **damped fixed-point** sweeps, ``x ← (1 − η) x + η x'`` with step fraction η
   (η = 1 is the undamped map; ``damping`` = 1 − η is the weight kept on the old value);
2. a **Newton–Broyden** solve of ``x' − x = 0`` (plus the residuals of free conjugates and
   extremised parameters) in the unconstrained coordinates of the parametrisation, with
   backtracking, reusing a neighbour's Jacobian when continuation provides one; MINPACK ``hybr``
   (scipy.optimize.root) if that fails;
3. if that fails, a long damped fixed-point run with decreasing η; it stops early when two sweeps
   in a row find a free conjugate's equation jumping through 0 instead of crossing it (no root: at
   y → ∞ the distance constraint does so at Ŝ = 0, beyond the end of a branch), which no number
   of sweeps turns into a saddle point (``stopped_at_jump``, and a message).

Convergence is judged on both the step ``max|x' − x|`` and the **residual** ``max_θ |∂Φ/∂θ|`` of all
stationarity equations (order parameters, conjugates, extremised parameters), evaluated by the
derived gradient.  A run that does not meet both tolerances is returned with ``converged=False`` and
a message; values are never silently NaN.

Free conjugates (``inner_roots=True``) are solved inside every sweep by the one-dimensional root of
:func:`numerics.solver.inner_root.inner_root` (MINPACK hybr when there are several).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Sequence

import numpy as np

from .inner_root import inner_root, inner_roots_hybr, is_jump, nearer_zero
from .strategies import (damped_proposal, fixed_point_step, hybr_accept, hybr_root, newton_broyden,
                         slow_down)

__all__ = ["SaddleResult", "SaddleProblem", "Parametrisation"]

# what a failed evaluation of the compiled equations raises (outside their domain)
_FAILURES = (ValueError, FloatingPointError, ZeroDivisionError, OverflowError)
# evaluations of the map a continuation Newton (a neighbour's Jacobian, a predicted start) may spend:
# along the α_U windows of symmetric(6) the 142 that converged took 4-47 (median 12), the 28 that failed
# 7-147, 4-7 s each near the gap; the caller halves its step instead
CONTINUATION_MAX_EVALS = 60
# a continuation Newton that met its target on the map's residual but whose verdict (the stationarity
# equations) is above tol_residual by less than this factor gets a few tighter iterations: near a branch's
# end the two measures differ by up to ~15 (symmetric(7), y → ∞, α = 1.2922, d = 0.0225: map residual
# below 1e-8, verdict 1.4e-7; the noise of the verdict there is ~1.5e-8)
VERDICT_NEAR = 30.0


@dataclass
class SaddleResult:
    """A solved (or not) saddle point, with its diagnostics.

    Attributes: ``params`` (order parameters and extremised parameters), ``conjugates``,
    ``model`` (the fixed parameters it was solved at), ``value`` (Φ at the point), ``parts``
    (G_T, G_S, G_E and any extra derived quantities), ``converged``, ``residual``
    (max |∂Φ/∂θ|), ``step`` (last max|x' − x|), ``iterations`` (sweeps), ``message``,
    ``residual_u`` (max |∂Φ/∂u| in the solver's unconstrained coordinates u, see
    :meth:`SaddleProblem.residual_in_u`).
    """

    params: Dict[str, float]
    conjugates: Dict[str, float]
    model: Dict[str, float]
    value: float
    parts: Dict[str, float]
    converged: bool
    residual: float
    step: float
    iterations: int
    message: str
    gradient: Dict[str, float] = field(default_factory=dict)
    residual_u: float = math.nan

    @property
    def success(self) -> bool:
        return self.converged

    def __getitem__(self, name):
        for d in (self.params, self.conjugates, self.model, self.parts):
            if name in d:
                return d[name]
        raise KeyError(name)

    def as_dict(self) -> dict:
        return {"value": self.value, **self.params, **self.conjugates, **self.parts,
                "converged": self.converged, "residual": self.residual, "step": self.step,
                "iterations": self.iterations, "message": self.message, "residual_u": self.residual_u}


@dataclass(frozen=True)
class Parametrisation:
    """Maps between the unknowns x (a dict) and unconstrained coordinates u (a vector)."""

    names: Sequence[str]
    to_u: Callable[[Dict[str, float]], np.ndarray]
    from_u: Callable[[np.ndarray], Dict[str, float]]


def _verdict(finite: bool, residual: float, residual_u: float, step: float, tol_residual: float,
             msg: str):
    """(converged, message): converged when Φ, the residuals and the unknowns are finite, either
    residual (max |∂Φ/∂θ|, or max |∂Φ/∂u| in the solver's coordinates) is below ``tol_residual``,
    and the last step is below 1e-6 (absolute, in the order parameters: no large move was still
    under way).  ``msg`` (the stages' notes) is quoted when it did not converge."""
    converged = bool(finite and min(residual, residual_u) < tol_residual and step < 1e-6)
    if converged and residual < tol_residual:
        message = "converged"
    elif converged:
        message = (f"converged: stationary in the solver's coordinates u (max |dPhi/du| {residual_u:.3g}, "
                   f"tol {tol_residual:g}); in the raw order parameters max |dPhi/dtheta| {residual:.3g}")
    else:
        message = (f"not converged: residual {residual:.3g} (tol {tol_residual:g}), step {step:.3g}"
                   + (f" [{msg.strip('; ')}]" if msg else ""))
    return converged, message


class SaddleProblem:
    """A derived functional plus nodes and a parametrisation, at fixed model parameters.

    Parameters
    ----------
    derived : theory.derived.Derived (its compiled sets and ``names``)
    nodes : callable(values: dict, step: 'energetic'|'entropic'|'full') -> {bound symbol: (x, logw)}
    param : Parametrisation of the unknowns (order parameters + extremised parameters)
    model : fixed parameter values (alpha, kappa, ...)
    inner_roots : solve the free conjugates inside every sweep (:mod:`numerics.solver.inner_root`)
    clamp : callable(x̂) -> x̂ applied to the conjugates of every energetic step

    After :meth:`solve`: ``jacobian`` (Newton's, in the coordinates u; None unless Newton
    converged), ``stopped_at_jump`` (the damped fallback stopped where a free conjugate's equation
    jumps through 0), ``inner_jump`` (the last inner root found such a jump), ``evaluations``
    (sweeps of the fixed-point map so far).
    """

    def __init__(self, derived, nodes, param: Parametrisation, model: Mapping[str, float],
                 inner_roots: bool = False, clamp=None):
        self.D = derived
        self.nodes = nodes
        self.param = param
        self.model = {k: float(v) for k, v in model.items()}
        # clamp(xh) -> xh: keeps conjugates that vanish identically (e.g. at alpha = 0) off the
        # exact zero where a Cholesky factor would divide 0 by 0
        self.clamp = clamp
        names = derived.names  # the unknowns' names by Functional field (theory.derived.Derived)
        self.order_names = list(names["paired_order"])
        self.conj_names = list(names["conjugates"])
        # unknowns that are not updated by the fixed-point map but zeroed as residuals:
        # free conjugates, free order parameters, extremised parameters that are being solved for
        self.extra_names = [n for n in param.names if n not in self.order_names]
        # free conjugates solved inside every sweep by a one-dimensional root (physics.md §3.1:
        # "Ŝ solves ∂_Ŝ G_S = y S_ov"), so that the fixed-point map is a function of x alone
        self.inner = [n for n in self.extra_names if n in self.conj_names] if inner_roots else []
        self.extra_names = [n for n in self.extra_names if n not in self.inner]
        self._inner_active = bool(self.inner)
        self.evaluations = 0
        self.jacobian = None
        # the last inner root found its equation jumping through 0 (no root) at _jump_at
        self.inner_jump, self._jump_at, self.stopped_at_jump = False, math.nan, False
        self._jump_bracket = (math.nan, math.nan)

    # -- one sweep ---------------------------------------------------------------------------------
    def conjugates_of(self, x: Mapping[str, float]):
        """Energetic step: paired conjugates from the unknowns x, and the energetic residuals."""
        vals = {**self.model, **x}
        out = self.D.energetic(vals, self.nodes(vals, "energetic"))
        xh = {k[4:]: v for k, v in out.items() if k.startswith("new_")}
        xh.update({n: x[n] for n in self.extra_names + self.inner if n in self.conj_names})
        if self.clamp is not None:
            xh = self.clamp(xh)
        return xh, {k[4:]: v for k, v in out.items() if k.startswith("res_")}

    def _raw_sweep(self, x):
        """One sweep at x as given (no inner root): (x', x̂, residuals); all NaN outside the domain."""
        self.evaluations += 1
        try:
            xh, res = self.conjugates_of(x)
            vals = {**self.model, **x, **xh}
            out = self.D.entropic(vals, self.nodes(vals, "entropic"))
        except (OverflowError, ZeroDivisionError, FloatingPointError):
            # outside the region where the compiled equations are finite: report non-finite
            # values, which every caller treats as "left the domain" (never as a solution)
            nan = math.nan
            return ({n: nan for n in self.order_names}, {n: nan for n in self.conj_names},
                    {n: nan for n in self.extra_names + self.inner})
        xnew = {k[4:]: v for k, v in out.items() if k.startswith("new_")}
        res.update({k[4:]: v for k, v in out.items() if k.startswith("res_")})
        return xnew, xh, res

    def _inner_residual(self, x, name):
        """g(t): the residual of the free conjugate ``name``'s own equation at x with name = t."""
        def g(t):
            _, _, r = self._raw_sweep({**x, name: t})
            return r[name]
        return g

    def _solve_inner(self, x):
        """The free conjugates' own equations solved at fixed x (:func:`inner_root.inner_root`; hybr
        for several); x unchanged when there is no root at this x (the damped sweeps then move x).
        A jump through 0 sets ``inner_jump``, ``_jump_at`` and ``_jump_bracket``."""
        if len(self.inner) > 1:
            def F(vec):
                _, _, r = self._raw_sweep({**x, **dict(zip(self.inner, vec))})
                return [r[n] for n in self.inner]
            return {**x, **dict(zip(self.inner, inner_roots_hybr(F, [x[n] for n in self.inner])))}
        name = self.inner[0]  # one free conjugate (Ŝ or λ) is what the functionals here have
        found = inner_root(self._inner_residual(x, name), x[name])
        if found.jump:
            self.inner_jump, self._jump_at, self._jump_bracket = True, found.t, found.bracket
        return {**x, name: found.t}

    def _still_jumps(self, x) -> bool:
        """The last inner root's jump (a bracket of 1e-9 with |g| > 1e-6 at both ends, opposite
        signs) is still one at x: two sweeps instead of an inner root's ~50."""
        if not (self.inner_jump and len(self.inner) == 1):
            return False
        g = self._inner_residual(x, self.inner[0])
        (t1, t2) = self._jump_bracket
        g1, g2 = g(t1), g(t2)
        if is_jump(g1, g2):
            self._jump_at = nearer_zero(t1, g1, t2, g2)
            return True
        return False

    def sweep(self, x: Mapping[str, float]):
        """x -> (x', x̂, residuals of the non-paired unknowns)."""
        if self.inner and self._inner_active:
            x = self._solve_inner(dict(x))
        return self._raw_sweep(x)

    def _residual_u(self, u):
        """The residual vector in the coordinates u: x' − x of the order parameters, then the
        residuals of the extra unknowns and free conjugates; 1e6 everywhere outside the domain."""
        try:
            x = self.param.from_u(u)
            xnew, _, res = self.sweep(x)
        except (ValueError, OverflowError, ZeroDivisionError):
            return np.full(len(u), 1e6)
        r = [xnew[n] - x[n] for n in self.order_names] + [res[n] for n in self.extra_names + self.inner]
        r = np.asarray(r, dtype=float)
        if not np.all(np.isfinite(r)):
            return np.full_like(r, 1e6)
        return r

    # -- evaluation at a point ------------------------------------------------------------------------
    def evaluate(self, x: Mapping[str, float], extra_names=None):
        """Φ, its parts and the full gradient at x (conjugates from the energetic step)."""
        xh, _ = self.conjugates_of(x)
        vals = {**self.model, **x, **xh}
        out = self.D.full(vals, self.nodes(vals, "full"))
        grad = {k[5:]: v for k, v in out.items() if k.startswith("grad_")}
        return out, grad, xh

    # -- damped fixed point ---------------------------------------------------------------------------
    def _valid(self, x) -> bool:
        """x is inside the parametrisation's domain (round trip through u reproduces it)."""
        try:
            back = self.param.from_u(self.param.to_u(x))
        except (ValueError, OverflowError, ZeroDivisionError):
            return False
        return all(abs(back[n] - x[n]) <= 1e-9 * (1 + abs(x[n])) for n in self.order_names)

    def _damped(self, x, eta, sweeps, tol, msgs, jumps: int = 0):
        """Damped fixed-point sweeps x ← (1 − η) x + η x' (:func:`strategies.damped_proposal`: η is
        halved whenever the proposal leaves the domain; :func:`strategies.slow_down` when the step
        grew).  With ``jumps`` > 0, stop after that many sweeps in a row whose inner root found the
        free conjugate's equation jumping through 0 (no root, see :mod:`numerics.solver.inner_root`):
        sweeps pinned there do not reach a saddle point, since its residual (the size of the jump)
        stays.  The free conjugates' roots of each sweep are carried into x, so that the next sweep's
        inner roots start from them (from the start's value, every sweep's root began up to ~3 away
        and spent ~20 evaluations of the map: binary, α = 0.5, d = 0.025, Ŝ from 3.66 to 0.6-0.8).
        Returns (x, step, sweeps done, converged)."""
        step, prev, it, pinned, xnew = math.inf, math.inf, 0, 0, None
        for it in range(1, sweeps + 1):
            xnew, pinned = self._pinned_sweep(x, xnew, pinned, jumps)
            if jumps and pinned >= jumps:
                return self._stop_at_jump(x, pinned, msgs), step, it, False
            if not all(math.isfinite(xnew.get(n, math.nan)) for n in self.order_names):
                msgs.append("fixed-point map not finite")
                return x, step, it, False
            step = fixed_point_step(x, xnew, self.order_names)
            if step < tol and not self.extra_names:
                return x, step, it, True
            prop = damped_proposal(x, xnew, eta, self.order_names, self._valid)
            if prop is None:
                msgs.append("damped step cannot stay in the domain")
                return x, step, it, False
            prop.update((n, xnew[n]) for n in self.inner if n in xnew)
            x, eta, prev = prop, slow_down(eta, step, prev), step
        return x, step, it, False

    def _pinned_sweep(self, x, xnew, pinned: int, jumps: int):
        """One sweep of :meth:`_damped`, and the count of sweeps in a row pinned at a jump.  While
        pinned (``jumps`` > 0), the jump is first re-checked at x by :meth:`_still_jumps` (two
        evaluations); if it holds, the sweep is skipped (the inner root would end there again) and
        the previous x' kept.  x' carries the free conjugates' values the sweep used (its inner roots)."""
        if jumps and pinned and self._still_jumps(x):
            return xnew, pinned + 1
        self.inner_jump = False
        xnew, xh, _ = self.sweep(x)
        xnew.update((n, xh[n]) for n in self.inner if n in xh)
        return xnew, (pinned + 1 if self.inner_jump else 0)

    def _stop_at_jump(self, x, pinned: int, msgs):
        """Gives up the damped run pinned at a jump: a message, ``stopped_at_jump``, and x with the
        free conjugate at the jump."""
        name = self.inner[0]
        msgs.append(f"stopped: in {pinned} sweeps in a row the equation of {name} jumped through 0 "
                    f"near {name} = {self._jump_at:.3g} with no root (beyond the end of a branch?)")
        self.stopped_at_jump = True
        return {**x, name: self._jump_at}

    # -- Newton–Broyden and hybr ----------------------------------------------------------------------
    def _newton(self, u, jac, tol, maxit, msgs, stall=None, max_evals=None, noisy=False):
        """Newton iteration with Broyden updates and backtracking on the residual in unconstrained
        coordinates (:meth:`_residual_u`); see :func:`strategies.newton_broyden` (``jac`` reused when
        given, ``stall`` the :class:`strategies.StallRule`).  Returns (u, |r|_∞, jacobian, sweeps, ok)."""
        return newton_broyden(self._residual_u, u, jac, tol, maxit, msgs, stall, max_evals, noisy)

    def _continuation_newton(self, x, jacobian, tol, tol_residual, maxiter):
        """Newton–Broyden straight from x with a neighbour's ``jacobian`` (tolerance 100 ``tol``,
        ``maxiter`` iterations, at most :data:`CONTINUATION_MAX_EVALS` evaluations of the map, inner
        roots off: Newton takes every unknown together).  Returns (the result if it converged, else
        None; sweeps spent)."""
        self._inner_active = False
        ev = 0
        try:
            u, nr, J, ev, ok = self._newton(self.param.to_u(x), jacobian, 1e2 * tol, maxiter, [],
                                            max_evals=CONTINUATION_MAX_EVALS)
            if ok:
                self.jacobian = J
                res = self._result(self.param.from_u(u), nr, ev, "", tol, tol_residual)
                if not res.converged and res.residual < VERDICT_NEAR * tol_residual:
                    res, ev = self._tighter_newton(u, J, nr, tol, tol_residual, res, ev)
                return res, ev
        except _FAILURES:
            pass
        return None, ev

    def _tighter_newton(self, u, J, nr, tol, tol_residual, res, ev):
        """Newton reached its target on the map's residual (``nr``) while the verdict's residual (the
        stationarity equations, another measure) is above ``tol_residual`` by less than
        :data:`VERDICT_NEAR`: up to 3 more iterations from there to a target 10 times smaller; their
        result where its verdict passes, else ``res``.  Returns (result, evaluations spent in all)."""
        u2, nr2, J2, more, _ = self._newton(u, J, 0.1 * nr, 3, [])
        ev += more
        if np.all(np.isfinite(u2)):
            res2 = self._result(self.param.from_u(u2), nr2, ev, "", tol, tol_residual)
            if res2.converged:
                self.jacobian = J2
                return res2, ev
        return res, ev

    def _newton_then_hybr(self, x, step, jacobian, tol, msgs, stall):
        """Stage 2: Newton–Broyden (60 iterations, tolerance 100 ``tol``, Jacobian reused from a
        neighbour if given), then MINPACK's hybr from the same start if that fails
        (:func:`strategies.hybr_root`, accepted by :func:`strategies.hybr_accept`).  Returns
        (x, step, converged, sweeps)."""
        ok, sweeps = False, 0
        try:
            u0 = self.param.to_u(x)
            u, nr, J, ev, ok = self._newton(u0, jacobian, 1e2 * tol, 60, msgs, stall=stall)
            sweeps += ev
            if ok:
                x, step, self.jacobian = self.param.from_u(u), nr, J
            else:
                sol = hybr_root(self._residual_u, u0)
                sweeps += int(sol.nfev)
                accepted = hybr_accept(self._residual_u, sol, 1e2 * tol)
                if accepted is not None:
                    x, ok, step = self.param.from_u(accepted[0]), True, accepted[1]
                msgs.append(f"hybr: {sol.message}")
        except _FAILURES as exc:
            msgs.append(f"newton/hybr failed: {exc}")
        return x, step, ok, sweeps

    # -- the solver -----------------------------------------------------------------------------------
    def solve(self, init: Mapping[str, float], *, tol: float = 1e-11, tol_residual: float = 1e-8,
              damping: float = 0.3, warm_sweeps: int = 3, maxiter: int = 2000,
              jacobian=None, newton_first: bool = False, newton_only: bool = False,
              newton_maxiter: int = 15, newton_stall: Optional[int] = None,
              newton_refresh: bool = False) -> SaddleResult:
        """Solve from ``init`` (see the module docstring for the stages).  With ``newton_first`` and a
        ``jacobian`` (continuation), Newton–Broyden is tried directly from ``init`` before the damped
        sweeps; the full sequence follows if it fails, unless ``newton_only`` (a cheap continuation
        attempt: the caller shortens its step instead); ``newton_maxiter`` caps that first Newton, and
        ``newton_refresh`` gives it a second try from ``init`` with a fresh finite-difference Jacobian
        (n + 1 sweeps) when the carried one fails: the Broyden-updated Jacobian carried along a path goes
        stale, and the fresh one usually converges in a few iterations.
        ``newton_stall`` = k hands stage 2 over from Newton to hybr once Newton crawls (k slow steps
        after a rebuilt Jacobian, see :class:`strategies.StallRule`): in a narrow curved valley
        backtracked Newton steps cut the residual by a few per cent each, where MINPACK's trust
        region does better (finite y = 15, excitatory(4), α = 0.65, d = 0.02 from the y = 10 rung:
        the Jacobian's condition number 6e4; Newton failed after 372 sweeps, hybr from the same
        start took 95).  The damping convention is x ← (1 − η) x + η x' with η = 1 − ``damping``."""
        x = {n: float(init[n]) for n in self.param.names}
        x = self.param.from_u(self.param.to_u(x))  # project the start into the domain
        msgs = []
        self.jacobian = None
        self.stopped_at_jump = False
        iterations = 0
        if newton_first and jacobian is not None:
            res, iterations = self._continuation_newton(x, jacobian, tol, tol_residual, newton_maxiter)
            if res is None and newton_refresh:
                res, more = self._continuation_newton(x, None, tol, tol_residual, newton_maxiter)
                iterations += more
            if res is not None:
                res.iterations = iterations
                return res
            msgs.append("continuation Newton failed" + (" (carried and fresh Jacobian)" if newton_refresh else ""))
            if newton_only:
                return self._result(x, math.inf, iterations, "; ".join(msgs), tol, tol_residual)
            msgs[-1] += "; restarted with damped sweeps"
            jacobian = None
        # 1. a few damped sweeps (free conjugates solved by inner roots in each sweep)
        self._inner_active = bool(self.inner)
        x, step, it, _ = self._damped(x, 1.0 - damping, warm_sweeps, tol, msgs)
        iterations += it
        if self.inner:
            x = self._solve_inner(x)
        self._inner_active = False  # Newton takes every unknown together
        # 2. Newton–Broyden in unconstrained coordinates, then MINPACK's hybrid method
        x, step, ok, sweeps = self._newton_then_hybr(x, step, jacobian, tol, msgs, newton_stall)
        iterations += sweeps
        # 3. fallback: long damped iteration (the damped map alone cannot zero extra residuals)
        if not ok and not self.extra_names:
            x, step, it, ok = self._damped_fallback(x, 1.0 - damping, maxiter, tol, msgs)
            iterations += it
        return self._result(x, step, iterations, "; ".join(msgs), tol, tol_residual)

    def _damped_fallback(self, x, eta, maxiter, tol, msgs):
        """Stage 3: up to ``maxiter`` damped sweeps with inner roots, stopped after two sweeps in a row
        pinned at a jump; then the inner root at the final x (unless stopped at a jump).  Returns
        (x, step, sweeps, converged)."""
        self._inner_active = bool(self.inner)
        x, step, it, ok = self._damped(x, eta, maxiter, tol, msgs, jumps=2)
        if self.inner and not self.stopped_at_jump:
            x = self._solve_inner(x)
        if ok:
            msgs.append("damped fixed point converged")
        return x, step, it, ok

    # -- the result -----------------------------------------------------------------------------------
    def _stationarity(self, grad: Mapping[str, float]) -> Dict[str, float]:
        """The gradient entries that must vanish: every unknown (order parameters, conjugates and the
        extremised parameters being solved for); a parameter held fixed (a bias) has ∂Φ/∂b ≠ 0."""
        N = self.D.names
        fixed = set(N["extremised"] + N["conjugates"] + N["order"]) - set(self.param.names) \
            - set(self.order_names) - set(N["paired_conjugates"])
        return {k: v for k, v in grad.items() if k not in fixed}

    def _result(self, x, step, iterations, msg, tol, tol_residual) -> SaddleResult:
        """The :class:`SaddleResult` at x: Φ and its parts, the residuals max |∂Φ/∂θ| and
        max |∂Φ/∂u| (:meth:`residual_in_u`), and the verdict of :func:`_verdict`."""
        try:
            out, grad, xh = self.evaluate(x)
        except _FAILURES as exc:
            out, grad, xh = {"phi": math.nan}, {}, {}
            msg += f"; evaluation failed: {exc}"
        grad = self._stationarity(grad)
        # a NaN entry makes the residual infinite (max() over NaNs depends on their order: a point
        # whose conjugates' gradient was NaN once reported "residual 0.0")
        residual = max((abs(v) if math.isfinite(v) else math.inf for v in grad.values()), default=math.inf)
        value = out.get("phi", math.nan)
        finite = math.isfinite(value) and math.isfinite(residual) and all(
            math.isfinite(v) for v in list(x.values()) + list(xh.values()))
        residual_u = self.residual_in_u(x, grad) if finite else math.inf
        converged, message = _verdict(finite, residual, residual_u, step, tol_residual, msg)
        parts = {k: v for k, v in out.items() if k != "phi" and not k.startswith("grad_")}
        return SaddleResult(
            params={k: float(v) for k, v in x.items()},
            conjugates={k: float(v) for k, v in xh.items()},
            model=dict(self.model), value=float(value), parts=parts, converged=converged,
            residual=float(residual), step=float(step), iterations=iterations, message=message,
            gradient=grad, residual_u=float(residual_u))

    def residual_in_u(self, x: Mapping[str, float], grad: Mapping[str, float]) -> float:
        """max |∂Φ/∂u|: the gradient in the solver's unconstrained coordinates u (logs, logits of
        the parametrisation), ∂Φ/∂u_j = Σ_i ∂Φ/∂x_i ∂x_i/∂u_j (∂x/∂u by central differences of
        ``from_u``, no evaluation of Φ), and the raw |∂Φ/∂θ| of unknowns outside u.

        Why: where two order parameters nearly coincide the raw gradient is dominated by rounding
        in their small difference.  Excitatory(3), y → ∞, α = 0.593, d = 0.0035: Q − q1 = 0.0034,
        ∂Φ/∂Q = 1.41e-7 and ∂Φ/∂q1 = −1.42e-7 stall there while the last step is 8e-10 and S_I
        agrees to 7 digits with a rule of 4× the nodes; along logit(q1/Q) the gradient is 5e-10.
        A point counts as converged when either residual is below the tolerance (and the last step
        is small); both are reported."""
        names = [n for n in self.param.names if n in grad]
        if not names:
            return math.inf
        try:
            u0 = np.asarray(self.param.to_u(x), dtype=float)
            J = np.empty((len(names), len(u0)))
            for j in range(len(u0)):
                h = 1e-6 * max(1.0, abs(u0[j]))
                up, um = u0.copy(), u0.copy()
                up[j] += h
                um[j] -= h
                xp, xm = self.param.from_u(up), self.param.from_u(um)
                J[:, j] = [(xp[n] - xm[n]) / (2 * h) for n in names]
        except (ValueError, OverflowError, ZeroDivisionError, KeyError):
            return math.inf
        gu = J.T @ np.array([grad[n] for n in names], dtype=float)
        others = [abs(v) for k, v in grad.items() if k not in names]
        out = max(float(np.max(np.abs(gu))), max(others, default=0.0))
        return out if math.isfinite(out) else math.inf
