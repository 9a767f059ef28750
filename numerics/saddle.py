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
2. a **Newton/hybrid** solve (MINPACK ``hybr``, scipy.optimize.root) of ``x' − x = 0`` in the
   unconstrained coordinates of the parametrisation;
3. if that fails, a long damped fixed-point run with decreasing η.

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


@dataclass
class SaddleResult:
    """A solved (or not) saddle point, with its diagnostics.

    Attributes: ``params`` (order parameters and extremised parameters), ``conjugates``,
    ``model`` (the fixed parameters it was solved at), ``value`` (Φ at the point), ``parts``
    (G_T, G_S, G_E and any extra derived quantities), ``converged``, ``residual``
    (max |∂Φ/∂θ|), ``step`` (last max|x' − x|), ``iterations`` (sweeps), ``message``.
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
                "iterations": self.iterations, "message": self.message}


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

    def __init__(self, derived, nodes, param: Parametrisation, model: Mapping[str, float]):
        self.D = derived
        self.nodes = nodes
        self.param = param
        self.model = {k: float(v) for k, v in model.items()}
        self.order_names = [s.name for s in derived.functional.order]
        self.conj_names = [s.name for s in derived.functional.conjugates]
        self.extra_names = [n for n in param.names if n not in self.order_names]
        self.evaluations = 0

    # -- one sweep ---------------------------------------------------------------------------------
    def conjugates_of(self, x: Mapping[str, float]) -> Dict[str, float]:
        vals = {**self.model, **x}
        out = self.D.energetic(vals, self.nodes(vals, "energetic"))
        return {k[4:]: v for k, v in out.items() if k.startswith("new_")}, \
               {k[4:]: v for k, v in out.items() if k.startswith("res_")}

    def sweep(self, x: Mapping[str, float]):
        """x -> (x', x̂, residuals of extremised parameters)."""
        self.evaluations += 1
        xh, res = self.conjugates_of(x)
        vals = {**self.model, **{k: v for k, v in x.items() if k not in self.order_names}, **xh}
        out = self.D.entropic(vals, self.nodes(vals, "entropic"))
        xnew = {k[4:]: v for k, v in out.items() if k.startswith("new_")}
        return xnew, xh, res

    def _residual_u(self, u):
        x = self.param.from_u(u)
        xnew, _, res = self.sweep(x)
        r = [xnew[n] - x[n] for n in self.order_names] + [res[n] for n in self.extra_names]
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
    def solve(self, init: Mapping[str, float], *, tol: float = 1e-11, tol_residual: float = 1e-8,
              damping: float = 0.3, warm_sweeps: int = 3, maxiter: int = 2000) -> SaddleResult:
        x = {n: float(init[n]) for n in self.param.names}
        iterations = 0
        eta = 1.0 - damping
        msg = ""
        step = math.inf
        # 1. a few damped sweeps
        for _ in range(warm_sweeps):
            xnew, _, _ = self.sweep(x)
            iterations += 1
            step = max(abs(xnew[n] - x[n]) for n in self.order_names)
            if not all(math.isfinite(v) for v in xnew.values()):
                break
            x = {**x, **{n: (1 - eta) * x[n] + eta * xnew[n] for n in self.order_names}}
            if step < tol and not self.extra_names:
                break
        # 2. hybrid Newton in unconstrained coordinates
        ok = False
        try:
            u0 = self.param.to_u(x)
            sol = optimize.root(self._residual_u, u0, method="hybr", options={"xtol": 1e-13, "maxfev": 60 * (len(u0) + 1)})
            iterations += int(sol.nfev)
            if np.all(np.isfinite(sol.x)):
                xs = self.param.from_u(sol.x)
                r = self._residual_u(sol.x)
                if np.max(np.abs(r)) < 1e2 * tol:
                    x, ok, step = xs, True, float(np.max(np.abs(r)))
                msg = f"hybr: {sol.message}"
        except (ValueError, FloatingPointError, ZeroDivisionError) as exc:
            msg = f"hybr failed: {exc}"
        # 3. fallback: long damped iteration with shrinking step
        if not ok:
            eta = 1.0 - damping
            prev = math.inf
            for it in range(maxiter):
                xnew, _, res = self.sweep(x)
                iterations += 1
                if not all(math.isfinite(v) for v in xnew.values()):
                    msg += "; fixed point left the domain (non-finite values)"
                    break
                step = max(abs(xnew[n] - x[n]) for n in self.order_names)
                x = {**x, **{n: (1 - eta) * x[n] + eta * xnew[n] for n in self.order_names}}
                if step > prev:
                    eta = max(0.05, eta * 0.7)
                prev = step
                if step < tol and not self.extra_names:
                    ok = True
                    msg += "; damped fixed point converged"
                    break
        return self._result(x, step, iterations, msg, tol, tol_residual)

    def _result(self, x, step, iterations, msg, tol, tol_residual) -> SaddleResult:
        try:
            out, grad, xh = self.evaluate(x)
        except (ValueError, FloatingPointError, ZeroDivisionError) as exc:
            out, grad, xh = {"phi": math.nan}, {}, {}
            msg += f"; evaluation failed: {exc}"
        # stationarity is required in every unknown: order parameters, conjugates and the
        # extremised parameters that are being solved for (a bias held fixed has ∂Φ/∂b ≠ 0)
        fixed = {s.name for s in self.D.functional.extremised} - set(self.param.names)
        grad = {k: v for k, v in grad.items() if k not in fixed}
        residual = max((abs(v) for v in grad.values()), default=math.inf)
        value = out.get("phi", math.nan)
        finite = math.isfinite(value) and math.isfinite(residual) and all(
            math.isfinite(v) for v in list(x.values()) + list(xh.values()))
        converged = bool(finite and residual < tol_residual and step < max(1e3 * tol, tol_residual))
        if converged:
            message = "converged"
        else:
            message = (f"not converged: residual {residual:.3g} (tol {tol_residual:g}), step {step:.3g}"
                       + (f" [{msg.strip('; ')}]" if msg else ""))
        parts = {k: v for k, v in out.items() if k != "phi" and not k.startswith("grad_")}
        return SaddleResult(
            params={k: float(v) for k, v in x.items()},
            conjugates={k: float(v) for k, v in xh.items()},
            model=dict(self.model), value=float(value), parts=parts, converged=converged,
            residual=float(residual), step=float(step), iterations=iterations, message=message,
            gradient=grad)
