"""Relaxed BP (AMP/TAP form) for the L-state perceptron with a reference coupling: the fast BP.

The same measure as :mod:`numerics.simulate.bp` (one factor per pattern, the one-body field
``psi_i(k) = log pi_k - gamma dist(s_k, W~_i)``), with the pattern-to-synapse messages expanded to
second order in 1/sqrt(N) (the relaxed BP; with the cavity corrections taken to the same order it is
AMP).  Nothing of size M x N is stored but the pattern matrix: a sweep is two matrix-vector products,
where the full BP evaluates log H on 2 L arrays of M x N.  With ``x = patterns / sqrt(N)`` (+-1 inputs,
so x^2 = 1/N), ``r = G/H`` (via erfcx) and ``theta_mu = kappa - sigma_mu (omega_mu + b)``:

    V      = (1/N) sum_i v_i                                   (the same for every pattern)
    omega  = x m - V g_old                                     (Onsager term: the previous sweep's g)
    t      = theta / sqrt(V),   g = sigma r(t) / sqrt(V),   g' = dg/domega = -r (r - t) / V
    A      = -(1/N) sum_mu g'_mu,   B = x^T g + A m
    p_i(k) ∝ pi_k exp(-gamma dist_ik + B_i s_k - A s_k^2 / 2),   m_i, v_i its mean and variance.

Damping: ``(A, B) <- damping (A, B)_old + (1 - damping) (A, B)_new``.  Convergence: the largest change of a
marginal probability in one sweep below ``tol``, as in the full BP.

Bethe free entropy at the fixed point (the GLM form; :mod:`numerics.simulate.replicated` at y = 1 with the
reference fixed):

    phi = sum_mu [log H(t_mu) + V g_mu^2 / 2] + sum_i [log Z_i - B_i m_i + A (m_i^2 + v_i) / 2],
    log Z_i = log sum_k pi_k exp(-gamma dist_ik + B_i s_k - A s_k^2 / 2),

variational, so d phi / d gamma = -N d at a fixed point (tests/test_relaxed_bp.py checks it by a finite
difference); F(d) = phi / N + gamma d as in the full BP.  Relaxed and full BP share their fixed point to
leading order in N; their phi differ by O(1) in total (O(1/N) per synapse; measured in the tests).

``dtype=np.float32`` keeps the pattern matrix in single precision (the +-1 entries are exact; a matrix-
vector product then rounds at ~1e-7 relative): N = 16000 at alpha = 0.6 is 0.6 GB instead of 1.2 GB, and
a sweep reads half the memory (``python -m benchmarks fast_bp``).  Only +-1 inputs: for 0/1 inputs the
coherent mode of :mod:`numerics.simulate.bp` (the sum of the synapses conditioned on) is not written in
this form.
"""
from __future__ import annotations

import time

import numpy as np
from scipy.special import log_ndtr

from theory.special import G_over_H

from .bp import CONTRADICTION_LOG_Z, BPResult, checked_gammas, sweep_until
from .distances import check_distance, site_distance_table
from .instances import Instance

__all__ = ["RelaxedBP", "run_relaxed", "relaxed_local_entropy_sweep"]


class RelaxedBP:
    """State of the relaxed BP on one instance: synapse fields ``A`` (one number: +-1 inputs) and ``B``
    (length N), the moments ``m, v`` they give, the pattern outputs ``g`` (length M, for the next
    sweep's Onsager term).  ``gamma`` may be changed between runs (the state is the warm start); ``ext``
    (N x L, zero for measurements) is an extra one-body field, as in :class:`numerics.simulate.bp.PerceptronBP`,
    which the reinforced solver (:func:`numerics.simulate.solvers.rbp` with ``form="relaxed"``) sets."""

    def __init__(self, inst: Instance, reference=None, gamma: float = 0.0, distance: str = "squared",
                 var_floor: float = 1e-10, dtype=np.float64):
        if inst.input_model != "pm1":
            raise ValueError("inputs: relaxed BP takes +-1 inputs only; for 0/1 inputs use "
                             "numerics.simulate.bp (it conditions on the sum of the synapses)")
        self.inst = inst
        self.dtype = np.dtype(dtype)
        self.P = np.asarray(inst.patterns, dtype=self.dtype)  # +-1, exact in float32
        self.inv_scale = 1.0 / float(inst.scale)
        self.b = float(inst.offset)
        self.sigma = inst.labels.astype(np.float64)
        self.kappa = float(inst.kappa)
        self.M, self.N = inst.M, inst.N
        self.s = np.asarray(inst.states.array, dtype=np.float64)
        self.log_prior = np.asarray(inst.states.log_prior, dtype=np.float64)
        self.distance = check_distance(distance)
        self.dist_table = (site_distance_table(inst.states, reference, distance) if reference is not None
                           else np.zeros((self.N, len(self.s))))
        self.gamma = float(gamma)
        self.var_floor = float(var_floor)
        self.ext = np.zeros((self.N, len(self.s)))  # an extra one-body field (the reinforcement of a solver)
        self.A, self.B = 0.0, np.zeros(self.N)
        self.g = np.zeros(self.M)
        self.m, self.v = self.moments()

    # -- the two halves of a sweep -------------------------------------------------------------------
    def total_field(self) -> np.ndarray:
        """log p_i(k) up to its normaliser (N x L), as :meth:`numerics.simulate.bp.PerceptronBP.total_field`."""
        return (self.log_prior[None, :] - self.gamma * self.dist_table + self.ext + self.B[:, None] * self.s[None, :]
                - 0.5 * self.A * (self.s * self.s)[None, :])

    def marginals(self) -> np.ndarray:
        h = self.total_field()
        h -= h.max(axis=1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=1, keepdims=True)

    def moments(self, p=None):
        """(mean, variance) of every synapse under the marginals ``p`` (the current ones by default)."""
        p = self.marginals() if p is None else p
        m = p @ self.s
        return m, np.maximum(p @ (self.s * self.s) - m * m, 0.0)

    def _field(self, w: np.ndarray) -> np.ndarray:
        """x w (length M) with x = patterns / sqrt(N): one matrix-vector product in the pattern dtype."""
        return (self.P @ w.astype(self.dtype, copy=False)).astype(np.float64) * self.inv_scale

    def _back(self, g: np.ndarray) -> np.ndarray:
        """x^T g (length N)."""
        return (g.astype(self.dtype, copy=False) @ self.P).astype(np.float64) * self.inv_scale

    def pattern_outputs(self, m, v, g_old):
        """(omega, V, t, g, g') of every pattern from the moments and the previous g."""
        V = max(float(v.sum()) * self.inv_scale ** 2, self.var_floor)
        omega = self._field(m) - V * g_old
        sq = np.sqrt(V)
        t = (self.kappa - self.sigma * (omega + self.b)) / sq
        r = G_over_H(t)
        return omega, V, t, self.sigma * r / sq, -r * (r - t) / V

    def sweep(self, damping: float = 0.5) -> float:
        """One parallel update; returns the largest change of a marginal probability."""
        p_old = self.marginals()
        _, _, _, g, dg = self.pattern_outputs(self.m, self.v, self.g)
        A_new = -float(dg.sum()) * self.inv_scale ** 2
        B_new = self._back(g) + A_new * self.m
        if damping > 0:
            self.A = damping * self.A + (1.0 - damping) * A_new
            self.B = damping * self.B + (1.0 - damping) * B_new
        else:
            self.A, self.B = A_new, B_new
        self.g = g
        p = self.marginals()
        self.m, self.v = self.moments(p)
        return float(np.max(np.abs(p - p_old)))

    # -- observables -----------------------------------------------------------------------------------
    def pattern_log_z(self) -> np.ndarray:
        """log H(t_mu) per pattern at the current state (the log probability that pattern mu is stored)."""
        _, _, t, _, _ = self.pattern_outputs(self.m, self.v, self.g)
        return log_ndtr(-t)

    def free_entropy(self) -> float:
        """Bethe free entropy phi (total) at the current state (module docstring)."""
        _, V, t, g, _ = self.pattern_outputs(self.m, self.v, self.g)
        h = self.total_field()
        hm = h.max(axis=1)
        log_z = hm + np.log(np.exp(h - hm[:, None]).sum(axis=1))
        m, v = self.m, self.v
        return float(np.sum(log_ndtr(-t) + 0.5 * V * g * g)
                     + np.sum(log_z - self.B * m + 0.5 * self.A * (m * m + v)))

    def mean_distance(self) -> float:
        return float((self.marginals() * self.dist_table).sum() / self.N)


def run_relaxed(bp: RelaxedBP, max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
                min_iter: int = 2) -> BPResult:
    """Sweeps until the marginals change by less than ``tol``; the result as the full BP's
    (:class:`numerics.simulate.bp.BPResult`, F = phi/N + gamma d), a contradiction (a pattern stored with
    probability below e^-50) reported as not converged with phi and F NaN."""
    t0 = time.perf_counter()
    it, delta = sweep_until(bp, max_iter, tol, damping, None, min_iter)
    converged = bool(np.isfinite(delta) and delta < tol)
    lz = bp.pattern_log_z()
    worst = float(np.min(lz)) if lz.size else 0.0
    d = bp.mean_distance()
    n_bad = int(np.count_nonzero(~(lz >= CONTRADICTION_LOG_Z)))
    if n_bad:
        return BPResult(gamma=bp.gamma, converged=False, iterations=it, delta=float(delta), d=d,
                        message=f"contradiction: {n_bad} of {bp.M} patterns violated with certainty",
                        elapsed=time.perf_counter() - t0, contradiction=True, min_log_z=worst)
    phi = bp.free_entropy() / bp.N
    return BPResult(gamma=bp.gamma, converged=converged, iterations=it, delta=float(delta), phi=phi, d=d,
                    F=phi + bp.gamma * d,
                    message="converged" if converged else f"not converged after {it} sweeps (delta {delta:.2e})",
                    elapsed=time.perf_counter() - t0, min_log_z=worst)


def relaxed_local_entropy_sweep(inst: Instance, reference, gammas=None, distance: str = "squared",
                                max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
                                dtype=np.float64) -> list:
    """F(d) around ``reference`` by relaxed BP for each gamma, visited from the smallest up, each warm from
    the previous state (as :func:`numerics.simulate.bp.local_entropy_sweep`); results in the order given."""
    gammas = checked_gammas(inst, gammas, distance)
    bp = RelaxedBP(inst, np.asarray(reference, dtype=np.float64), distance=distance, dtype=dtype)
    out = {}
    for g in sorted(set(gammas)):
        bp.gamma = g
        bp.m, bp.v = bp.moments()
        out[g] = run_relaxed(bp, max_iter=max_iter, tol=tol, damping=damping)
    return [out[g] for g in gammas]
