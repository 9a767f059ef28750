"""The saddle-point iterator for derived replica functionals.

A :class:`SaddleProblem` wraps a :class:`theory.derive.Derived` with the numerical choices that the
theory leaves open: the nodes of every bound variable (quadrature and synaptic states), and a
parametrisation of the unknowns that keeps them in their domain.  The unknowns ``x`` are the order
parameters (plus extremised parameters such as an optimal bias); one **sweep** is

    x  --energetic step-->  x̂ = X̂(x)  --entropic step-->  x' = X(x̂)

(physics.md §3.1: conjugates from the energetic term, order parameters from the entropic one) and a
fixed point x' = x is a stationary point of Φ.

Algorithm (:meth:`SaddleProblem.solve`):

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
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Sequence

import numpy as np
from scipy import optimize

__all__ = ["SaddleResult", "SaddleProblem", "Parametrisation"]


class _Jump(Exception):
    """Raised inside brentq when the free conjugate's equation jumps through 0 (no root)."""

    def __init__(self, t):
        super().__init__(t)
        self.t = t


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


class SaddleProblem:
    """A derived functional plus nodes and a parametrisation, at fixed model parameters.

    Parameters
    ----------
    derived : theory.derive.Derived
    nodes : callable(values: dict, step: 'energetic'|'entropic'|'full') -> {bound symbol: (x, logw)}
    param : Parametrisation of the unknowns (order parameters + extremised parameters)
    model : fixed parameter values (alpha, kappa, ...)
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
        F = derived.functional
        self.order_names = [s.name for s in F.paired_order]
        self.conj_names = [s.name for s in F.conjugates]
        # unknowns that are not updated by the fixed-point map but zeroed as residuals:
        # free conjugates, free order parameters, extremised parameters that are being solved for
        self.extra_names = [n for n in param.names if n not in self.order_names]
        # free conjugates solved inside every sweep by a one-dimensional root (physics.md §3.1:
        # "Ŝ solves ∂_Ŝ G_S = y S_ov"), so that the fixed-point map is a function of x alone
        self.inner = [n for n in self.extra_names if n in self.conj_names] if inner_roots else []
        self.extra_names = [n for n in self.extra_names if n not in self.inner]
        self._inner_active = bool(self.inner)
        self.evaluations = 0
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

    def _solve_inner(self, x):
        """Solve the free conjugates' own equations at fixed x: bounded secant steps, Brent's method
        once a sign change is seen, else an expanding search for a bracket; x unchanged (t0) when g
        has no root at this x (the damped sweeps then move x)."""
        name = self.inner[0]  # one free conjugate (Ŝ or λ) is what the functionals here have
        if len(self.inner) > 1:
            def F(vec):
                _, _, r = self._raw_sweep({**x, **dict(zip(self.inner, vec))})
                return [r[n] for n in self.inner]
            sol = optimize.root(F, [x[n] for n in self.inner], method="hybr")
            return {**x, **dict(zip(self.inner, sol.x))}

        def g(t):
            _, _, r = self._raw_sweep({**x, name: t})
            return r[name]

        def brent(ta, tb, xtol):
            """brentq on a sign change [ta, tb], stopped where g *jumps* through 0 instead of crossing
            it: the bracket is down to 1e-9 (1 + |t|) and |g| > 1e-6 at both of its ends (a slope
            above 1e3 (1 + |t|)⁻¹, which the distance constraints here do not have).  That happens
            where no root exists: at y → ∞ the overlap jumps at Ŝ = 0 (the reference's best value
            turns degenerate, the end of a branch), where brentq needed ~50 sweeps to shrink the
            bracket to 1e-13 around the jump.  Returns the root, or the end of the final bracket
            where |g| is smaller, and then sets ``self.inner_jump``."""
            ends = {math.copysign(1.0, g_at[t]): (t, g_at[t]) for t in (ta, tb)}  # the bracket's two sides

            def gj(t):
                v = g_at[t] if t in g_at else g(t)
                if math.isfinite(v) and v != 0:
                    ends[math.copysign(1.0, v)] = (t, v)
                    (t1, g1), (t2, g2) = ends[1.0], ends[-1.0]
                    if abs(t1 - t2) <= 1e-9 * (1 + abs(t)) and min(abs(g1), abs(g2)) > 1e-6:
                        self._jump_bracket = (t1, t2)
                        raise _Jump(t1 if abs(g1) <= abs(g2) else t2)  # the side nearer to 0
                return v

            try:
                return float(optimize.brentq(gj, ta, tb, xtol=xtol))
            except _Jump as jump:
                self.inner_jump, self._jump_at = True, jump.t
                return jump.t

        def root_in(pts):
            """brentq on the first adjacent pair of evaluated points with opposite signs, if any."""
            pts = sorted(p for p in pts if math.isfinite(p[1]))
            for (ta, ga), (tb, gb) in zip(pts, pts[1:]):
                if ga * gb < 0:
                    g_at.update({ta: ga, tb: gb})
                    return brent(ta, tb, 1e-13 * (1 + abs(ta)))
            return None

        g_at = {}

        t0 = float(x[name])
        g0 = g(t0)
        if not math.isfinite(g0) or g0 == 0:
            return {**x, name: t0}
        # 1. secant steps, each at most 1 + |t| long (an unbounded secant step on the flat part of g,
        #    where the distance constraint cannot be met at this x, went to |Ŝ| ~ 1e16)
        seen = [(t0, g0)]
        ta, ga, tb = t0, g0, t0 + 1e-3 * (1 + abs(t0))
        for _ in range(12):
            gb = g(tb)
            seen.append((tb, gb))
            if math.isfinite(gb) and (abs(gb) < 1e-12 or (abs(tb - ta) < 1e-13 * (1 + abs(tb)) and abs(gb) < 1e-10)):
                return {**x, name: float(tb)}
            if not math.isfinite(gb) or ga * gb < 0 or abs(gb - ga) <= 1e-9 * abs(gb):
                break  # left the domain, bracketed the root, or g saturated (no root this way)
            cap = 1 + abs(tb)
            step = min(max(-gb * (tb - ta) / (gb - ga), -cap), cap)
            ta, ga, tb = tb, gb, tb + step
        r = root_in(seen)
        if r is not None:
            return {**x, name: r}
        # 2. bracket by expanding around t0 in each direction while g moves towards 0 and is not
        #    saturated (g is monotone in practice: the distance grows as Ŝ falls); no bracket → t0
        step, last, dirs = 0.5 * (1 + abs(t0)), {1: g0, -1: g0}, [1, -1]
        for _ in range(30):
            for sgn in list(dirs):
                t1 = t0 + sgn * step
                g1 = g(t1)
                if math.isfinite(g1) and g0 * g1 < 0:
                    g_at.update({t0: g0, t1: g1})
                    return {**x, name: brent(min(t0, t1), max(t0, t1), 1e-13 * (1 + abs(t0)))}
                if (not math.isfinite(g1) or abs(g1) >= abs(last[sgn])
                        or abs(g1 - last[sgn]) <= 1e-9 * abs(g1)):
                    dirs.remove(sgn)  # leaving the domain, moving away from 0, or saturated
                last[sgn] = g1
            if not dirs:
                break
            step *= 1.6
        return {**x, name: t0}

    def _still_jumps(self, x) -> bool:
        """The last inner root's jump (a bracket of 1e-9 with |g| > 1e-6 at both ends, opposite
        signs) is still one at x: two sweeps instead of an inner root's ~50."""
        if not (self.inner_jump and len(self.inner) == 1):
            return False
        name = self.inner[0]
        (t1, t2), gs = self._jump_bracket, []
        for t in (t1, t2):
            _, _, r = self._raw_sweep({**x, name: t})
            gs.append(r[name])
        if all(math.isfinite(v) and abs(v) > 1e-6 for v in gs) and gs[0] * gs[1] < 0:
            self._jump_at = t1 if abs(gs[0]) <= abs(gs[1]) else t2
            return True
        return False

    def sweep(self, x: Mapping[str, float]):
        """x -> (x', x̂, residuals of the non-paired unknowns)."""
        if self.inner and self._inner_active:
            x = self._solve_inner(dict(x))
        return self._raw_sweep(x)

    def _residual_u(self, u):
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

    # -- the solver -----------------------------------------------------------------------------------
    def _valid(self, x) -> bool:
        """x is inside the parametrisation's domain (round trip through u reproduces it)."""
        try:
            back = self.param.from_u(self.param.to_u(x))
        except (ValueError, OverflowError, ZeroDivisionError):
            return False
        return all(abs(back[n] - x[n]) <= 1e-9 * (1 + abs(x[n])) for n in self.order_names)

    def _damped(self, x, eta, sweeps, tol, msgs, jumps: int = 0):
        """Damped fixed-point sweeps x ← (1 − η) x + η x'; η is halved whenever the proposal leaves
        the domain or makes the map non-finite.  With ``jumps`` > 0, stop after that many sweeps in a
        row whose inner root found the free conjugate's equation jumping through 0 (no root, see
        :meth:`_solve_inner`): sweeps pinned there do not reach a saddle point, since its residual
        (the size of the jump) stays.  Returns (x, step, sweeps done, converged)."""
        step, prev, it, pinned = math.inf, math.inf, 0, 0
        for it in range(1, sweeps + 1):
            if jumps and pinned and self._still_jumps(x):
                pinned += 1  # the same jump at the new x: the inner root would end there again
            else:
                self.inner_jump = False
                xnew, _, _ = self.sweep(x)
                pinned = pinned + 1 if self.inner_jump else 0
            if jumps and pinned >= jumps:
                msgs.append(f"stopped: in {pinned} sweeps in a row the equation of {self.inner[0]} jumped through 0 "
                            f"near {self.inner[0]} = {self._jump_at:.3g} with no root (beyond the end of a branch?)")
                self.stopped_at_jump = True
                return {**x, self.inner[0]: self._jump_at}, step, it, False
            if not all(math.isfinite(xnew.get(n, math.nan)) for n in self.order_names):
                msgs.append("fixed-point map not finite")
                return x, step, it, False
            step = max(abs(xnew[n] - x[n]) for n in self.order_names)
            if step < tol and not self.extra_names:
                return x, step, it, True
            e = eta
            while e > 1e-3:
                prop = {**x, **{n: (1 - e) * x[n] + e * xnew[n] for n in self.order_names}}
                if self._valid(prop):
                    break
                e *= 0.5
            else:
                msgs.append("damped step cannot stay in the domain")
                return x, step, it, False
            x = prop
            if step > prev:
                eta = max(0.05, eta * 0.7)
            prev = step
        return x, step, it, False

    # -- the solver -----------------------------------------------------------------------------------
    def _newton(self, u, jac, tol, maxit, msgs, stall=None):
        """Newton iteration with Broyden updates and backtracking, in unconstrained coordinates.

        ``jac`` (from a neighbouring solution) is reused when given; otherwise, and whenever no
        backtracked step descends, a forward-difference Jacobian is built (n + 1 sweeps).  With
        ``stall`` = k, k accepted steps in a row that each cut max|r| by less than 30 % rebuild the
        Jacobian once, and the next k give up (the caller goes on to hybr).  Returns
        (u, |r|_∞, jacobian, sweeps, ok).
        """
        n = len(u)
        evals = 0

        def F(v):
            nonlocal evals
            evals += 1
            return self._residual_u(v)

        def fd_jac(v, r):
            J = np.empty((len(r), n))
            for j in range(n):
                h = 1e-6 * max(1.0, abs(v[j]))
                vp = v.copy()
                vp[j] += h
                J[:, j] = (F(vp) - r) / h
            return J

        r = F(u)
        fresh = jac is None
        J = fd_jac(u, r) if fresh else np.array(jac, dtype=float)
        slow, restarted = 0, False  # accepted steps in a row that cut max|r| by < 30 %; J rebuilt after one stall
        for _ in range(maxit):
            nr = float(np.max(np.abs(r)))
            if nr < tol:
                return u, nr, J, evals, True
            try:
                du = -np.linalg.solve(J, r)
            except np.linalg.LinAlgError:
                du = -np.linalg.lstsq(J, r, rcond=None)[0]
            if not np.all(np.isfinite(du)):
                break
            t, accepted = 1.0, False
            for _ in range(12):
                un = u + t * du
                rn = F(un)
                if np.all(np.isfinite(rn)) and np.max(np.abs(rn)) < (1 - 1e-4 * t) * nr:
                    accepted = True
                    break
                t *= 0.5
            if not accepted:
                if fresh:
                    msgs.append("newton: no descent step")
                    break
                J, fresh = fd_jac(u, r), True  # stale Jacobian: rebuild it and retry
                continue
            s_ = un - u
            J = J + np.outer((rn - r) - J @ s_, s_) / float(s_ @ s_)
            slow = slow + 1 if np.max(np.abs(rn)) > 0.7 * nr else 0
            u, r, fresh = un, rn, False
            if stall and slow >= stall and not restarted:
                # first stall: perhaps a stale Broyden Jacobian; rebuild it once
                J, fresh, slow, restarted = fd_jac(u, r), True, 0, True
            elif stall and slow >= stall:
                # a narrow curved valley (an ill-conditioned Jacobian, cond ~ 1e5 at large y):
                # backtracked steps crawl along it; MINPACK's trust region (hybr) does better
                msgs.append(f"newton: stalled ({slow} steps in a row cut the residual by less than 30 %)")
                break
        nr = float(np.max(np.abs(r)))
        return u, nr, J, evals, nr < tol

    def solve(self, init: Mapping[str, float], *, tol: float = 1e-11, tol_residual: float = 1e-8,
              damping: float = 0.3, warm_sweeps: int = 3, maxiter: int = 2000,
              jacobian=None, newton_first: bool = False, newton_only: bool = False,
              newton_maxiter: int = 15, newton_stall: Optional[int] = None) -> SaddleResult:
        """Solve from ``init`` (see the module docstring for the stages).  With ``newton_first`` and a
        ``jacobian`` (continuation), Newton–Broyden is tried directly from ``init`` before the damped
        sweeps; the full sequence follows if it fails, unless ``newton_only`` (a cheap continuation
        attempt: the caller shortens its step instead); ``newton_maxiter`` caps that first Newton.
        ``newton_stall`` = k hands stage 2 over from Newton to hybr once Newton crawls (k slow steps
        after a rebuilt Jacobian, see :meth:`_newton`): in a narrow curved valley backtracked Newton
        steps cut the residual by a few per cent each, where MINPACK's trust region does better
        (finite y = 15, excitatory(4), α = 0.65, d = 0.02 from the y = 10 rung: the Jacobian's
        condition number 6e4; Newton failed after 372 sweeps, hybr from the same start took 95)."""
        x = {n: float(init[n]) for n in self.param.names}
        x = self.param.from_u(self.param.to_u(x))  # project the start into the domain
        msgs = []
        self.jacobian = None
        self.stopped_at_jump = False
        iterations = 0
        if newton_first and jacobian is not None:
            self._inner_active = False
            try:
                u, nr, J, ev, ok = self._newton(self.param.to_u(x), jacobian, 1e2 * tol, newton_maxiter, [])
                iterations += ev
                if ok:
                    self.jacobian = J
                    return self._result(self.param.from_u(u), nr, iterations, "", tol, tol_residual)
            except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
                pass
            msgs.append("continuation Newton failed")
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
        # 2. Newton–Broyden in unconstrained coordinates (Jacobian reused from a neighbour if given),
        #    then MINPACK's hybrid method if that fails
        ok = False
        try:
            u0 = self.param.to_u(x)
            u, nr, J, ev, ok = self._newton(u0, jacobian, 1e2 * tol, 60, msgs, stall=newton_stall)
            iterations += ev
            if ok:
                x, step, self.jacobian = self.param.from_u(u), nr, J
            else:
                sol = optimize.root(self._residual_u, u0, method="hybr",
                                    options={"xtol": 1e-13, "maxfev": 25 * (len(u0) + 1)})
                iterations += int(sol.nfev)
                if np.all(np.isfinite(sol.x)):
                    r = self._residual_u(sol.x)
                    if np.max(np.abs(r)) < 1e2 * tol:
                        x, ok, step = self.param.from_u(sol.x), True, float(np.max(np.abs(r)))
                msgs.append(f"hybr: {sol.message}")
        except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError) as exc:
            msgs.append(f"newton/hybr failed: {exc}")
        # 3. fallback: long damped iteration
        if not ok and not self.extra_names:  # the damped map alone cannot zero extra residuals
            self._inner_active = bool(self.inner)
            x, step, it, ok = self._damped(x, 1.0 - damping, maxiter, tol, msgs, jumps=2)
            iterations += it
            if self.inner and not self.stopped_at_jump:
                x = self._solve_inner(x)
            if ok:
                msgs.append("damped fixed point converged")
        return self._result(x, step, iterations, "; ".join(msgs), tol, tol_residual)

    def _result(self, x, step, iterations, msg, tol, tol_residual) -> SaddleResult:
        try:
            out, grad, xh = self.evaluate(x)
        except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError) as exc:
            out, grad, xh = {"phi": math.nan}, {}, {}
            msg += f"; evaluation failed: {exc}"
        # stationarity is required in every unknown: order parameters, conjugates and the
        # extremised parameters that are being solved for (a bias held fixed has ∂Φ/∂b ≠ 0)
        fixed = {s.name for s in self.D.functional.extremised + self.D.functional.conjugates
                 + self.D.functional.order} - set(self.param.names) - set(self.order_names) \
            - {c.name for c in self.D.functional.paired_conjugates}
        grad = {k: v for k, v in grad.items() if k not in fixed}
        residual = max((abs(v) for v in grad.values()), default=math.inf)
        value = out.get("phi", math.nan)
        finite = math.isfinite(value) and math.isfinite(residual) and all(
            math.isfinite(v) for v in list(x.values()) + list(xh.values()))
        # the residual of every stationarity equation is the criterion; the last step must also be
        # small (1e-6, absolute, in the order parameters): no large move was still under way
        residual_u = self.residual_in_u(x, grad) if finite else math.inf
        converged = bool(finite and min(residual, residual_u) < tol_residual and step < 1e-6)
        if converged and residual < tol_residual:
            message = "converged"
        elif converged:
            message = (f"converged: stationary in the solver's coordinates u (max |dPhi/du| {residual_u:.3g}, "
                       f"tol {tol_residual:g}); in the raw order parameters max |dPhi/dtheta| {residual:.3g}")
        else:
            message = (f"not converged: residual {residual:.3g} (tol {tol_residual:g}), step {step:.3g}"
                       + (f" [{msg.strip('; ')}]" if msg else ""))
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
