"""Belief propagation for the L-state perceptron with a reference coupling (physics.md §4).

Factor graph: synapses ``W_i in S`` (states ``s_k``, prior ``pi_k``), one factor per pattern mu,
``1[sigma_mu (sum_i x_mu,i W_i + b) > kappa]`` with the scaled inputs and offset of
:meth:`Instance.linear_form`, and a one-body field per synapse

    psi_i(k) = log pi_k + gamma * w(s_k, W~_i) + ext_i(k),      w(W, W~) = -dist(W, W~)

(``dist`` the per-synapse distance of :mod:`numerics.simulate.distances`; gamma >= 0 pulls towards
the reference; ``ext`` is an extra field used by the solvers, 0 for local-entropy measurements).

Messages (log domain, stored as ``u[k, mu, i]``, shape L x M x N): ``u[k, mu, i] = log mhat_{mu->i}(s_k)``
up to a constant (normalised so that ``max_k u = 0``).  Total field ``h_i(k) = psi_i(k) + sum_mu u[k, mu, i]``;
cavity ``h_{i->mu}(k) = h_i(k) - u[k, mu, i]``; cavity mean/variance ``a, v`` of ``softmax_k(h_{i->mu})``.
Central-limit approximation for the pattern-to-synapse message:

    omega_{mu->i} = sum_{j != i} x_mu,j a_mu,j,     V_{mu->i} = sum_{j != i} x_mu,j^2 v_mu,j
    mhat_{mu->i}(s) = H((kappa - sigma_mu (omega_{mu->i} + b + x_mu,i s)) / sqrt(V_{mu->i}))

computed as ``log H(t) = log_ndtr(-t)`` (no underflow); ``V`` is floored at ``var_floor`` so that
fully polarised cavities give hard, finite log-messages instead of 0/0.

Damping: ``u <- damping * u_old + (1 - damping) * u_new`` (damping in [0, 1); 0 = no damping).
Convergence: the largest change of a marginal probability in one sweep is below ``tol``, and the fixed
point is not a contradiction: every pattern is stored with probability ``Z_mu > exp(CONTRADICTION_LOG_Z)``
(``log Z_mu`` below) under its field distribution.  On an instance without solution (above capacity), or
when a large coupling freezes the messages onto a reference that is not a solution, BP reaches a frozen
"fixed point" in which some patterns are violated with certainty: ``V`` falls to ``var_floor``,
``log Z_mu`` to about ``-1e9`` and phi to nonsense (|phi| ~ 1e9).  Such a result is reported as not
converged, with phi and F NaN and the number of violated patterns in the message.

Bethe free entropy (exact identity at a fixed point, messages normalised):

    phi = sum_i log Z_i + sum_mu log Z_mu - sum_(i,mu) log Z_(i,mu)
        = sum_i lse_k h_i(k) + sum_(i,mu) [lse_k h_{i->mu}(k) - lse_k h_i(k)] + sum_mu log Z_mu,
    log Z_mu = log H((kappa - sigma_mu (omega_mu + b)) / sqrt(V_mu)),  omega_mu, V_mu summed over all j.

Local entropy (Legendre transform in gamma): with ``d(gamma) = (1/N) sum_i <dist(W_i, W~_i)>``
(marginals) and the coupling ``<w> = -d``,

    F(d) = phi(gamma)/N - gamma <w> = phi(gamma)/N + gamma d(gamma),

the log-number (prior-weighted) of solutions at distance d from the reference, per synapse.

Known limits (measured against exact enumeration, tests/test_simulate_bp.py): at N ~ 20 the Bethe
phi deviates by O(1/N) (mean 0.01-0.03); with 0/1 inputs at small N the field is a sum of a few
integers, ties (excluded by the strict inequality) are frequent and the continuous Gaussian message
overestimates the entropy (binary, N = 21, f = 0.3: by ~0.08 on average).  Around an isolated reference
and at large gamma the messages can freeze onto the reference (d = 0, a fixed point of the hard-field
equations); sweep gamma upwards (as :func:`local_entropy_sweep` does) to follow the physical branch.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, log_ndtr, logsumexp

from .distances import check_distance, site_distance_table
from .instances import Instance

__all__ = ["PerceptronBP", "BPResult", "run_bp", "local_entropy_sweep", "default_gammas", "CONTRADICTION_LOG_Z"]

# a pattern stored with probability below e^-50 (2e-22) under its field distribution is violated with
# certainty: the fixed point is a contradiction (legitimate values at N ~ 20 near capacity are above -10)
CONTRADICTION_LOG_Z = -50.0


def _softmax(h, axis=-1):
    h = h - h.max(axis=axis, keepdims=True)
    e = np.exp(h)
    return e / e.sum(axis=axis, keepdims=True)


def _lse0(a):
    """logsumexp over the first (state) axis, written as L elementwise passes (fast for small L)."""
    m = a.max(axis=0)
    acc = np.zeros_like(m)
    for k in range(a.shape[0]):
        acc += np.exp(a[k] - m)
    return m + np.log(acc)


class PerceptronBP:
    """Messages and fields of BP on one instance.  Mutable: solvers change ``ext`` between sweeps.

    Layout: messages ``u`` have shape (L, M, N) (state axis first: reductions over states are L
    elementwise passes); fields ``psi``, ``ext`` and ``total_field()`` have shape (N, L)."""

    def __init__(self, inst: Instance, reference=None, gamma: float = 0.0, distance: str = "squared",
                 var_floor: float = 1e-10, seed: int | None = None, init_noise: float = 0.0):
        self.inst = inst
        x, b = inst.linear_form()
        self.x, self.x2, self.b = x, x * x, float(b)
        self.sigma = inst.labels.astype(np.float64)
        self.kappa = float(inst.kappa)
        self.s = inst.states.array
        self.s2 = self.s ** 2
        self.M, self.N, self.L = inst.M, inst.N, inst.states.L
        self.log_prior = inst.states.log_prior
        self.var_floor = float(var_floor)
        self.distance = check_distance(distance)
        self.gamma = float(gamma)
        self.dist_table = (site_distance_table(inst.states, reference, distance) if reference is not None
                           else np.zeros((self.N, self.L)))
        self.ext = np.zeros((self.N, self.L))
        self.u = np.zeros((self.L, self.M, self.N))
        if init_noise > 0:
            rng = np.random.default_rng(seed)
            self.u = init_noise * rng.standard_normal((self.L, self.M, self.N)) / np.sqrt(self.N)
            self.u -= self.u.max(axis=0)

    # -- fields --------------------------------------------------------------------------------
    def psi(self) -> np.ndarray:
        """One-body log-field psi_i(k) (N x L)."""
        return self.log_prior[None, :] - self.gamma * self.dist_table + self.ext

    def total_field(self) -> np.ndarray:
        return self.psi() + self.u.sum(axis=1).T

    def marginals(self) -> np.ndarray:
        return _softmax(self.total_field(), axis=1)

    def argmax_configuration(self) -> np.ndarray:
        return self.s[np.argmax(self.total_field(), axis=1)]

    def _cavity(self, h, need_lse: bool = False):
        """Cavity means a and variances v (M x N) of softmax(h_i - u[:, mu, i]); with need_lse also
        lse_k of the cavity field (M x N).  Written as L elementwise passes over M x N arrays."""
        if self.L == 2:  # one logistic per edge
            dlt = (h[:, 1] - h[:, 0])[None, :] - (self.u[1] - self.u[0])
            p1 = expit(dlt)
            ds = self.s[1] - self.s[0]
            a = self.s[0] + ds * p1
            v = (ds * ds) * p1 * (1.0 - p1)
            if not need_lse:
                return a, v, None
            hc0 = h[:, 0][None, :] - self.u[0]
            return a, v, hc0 + np.logaddexp(0.0, dlt)
        m = None
        for k in range(self.L):
            hk = h[:, k][None, :] - self.u[k]
            m = hk if m is None else np.maximum(m, hk)
        z = np.zeros_like(m)
        a = np.zeros_like(m)
        a2 = np.zeros_like(m)
        for k in range(self.L):
            e = np.exp(h[:, k][None, :] - self.u[k] - m)
            z += e
            a += self.s[k] * e
            a2 += self.s2[k] * e
        a /= z
        v = np.maximum(a2 / z - a * a, 0.0)
        return a, v, (m + np.log(z)) if need_lse else None

    def sweep(self, damping: float = 0.5) -> float:
        """One parallel update of all messages; returns the largest change of a marginal."""
        h = self.total_field()
        p_old = _softmax(h, axis=1)
        a, v, _ = self._cavity(h)
        xa = self.x * a
        omega = xa.sum(axis=1)
        xv = self.x2 * v
        V = xv.sum(axis=1)
        V_c = np.maximum(V[:, None] - xv, self.var_floor)
        sd = np.sqrt(V_c)
        sig = self.sigma[:, None]
        base = (self.kappa - sig * (omega[:, None] - xa + self.b)) / sd  # M x N
        slope = sig * self.x / sd  # M x N
        un = np.empty_like(self.u)
        for k in range(self.L):
            un[k] = log_ndtr(slope * self.s[k] - base)
        un -= un.max(axis=0)
        if damping > 0:
            self.u *= damping
            self.u += (1.0 - damping) * un
        else:
            self.u = un
        p_new = self.marginals()
        return float(np.max(np.abs(p_new - p_old)))

    # -- observables ---------------------------------------------------------------------------
    def pattern_log_z(self, h=None, a=None, v=None) -> np.ndarray:
        """``log Z_mu = log H((kappa - sigma_mu (omega_mu + b)) / sqrt(V_mu))`` per pattern (length M): the log
        probability that pattern mu is stored under the field distribution of the current marginals."""
        if a is None:
            a, v, _ = self._cavity(self.total_field() if h is None else h)
        omega = (self.x * a).sum(axis=1)
        V = np.maximum((self.x2 * v).sum(axis=1), self.var_floor)
        return log_ndtr(-(self.kappa - self.sigma * (omega + self.b)) / np.sqrt(V))

    def free_entropy(self) -> float:
        """Bethe free entropy phi (total, not per synapse) of the current messages."""
        h = self.total_field()
        a, v, lse_hc = self._cavity(h, need_lse=True)
        lse_h = logsumexp(h, axis=1)  # N
        logZmu = self.pattern_log_z(a=a, v=v)
        return float(lse_h.sum() + (lse_hc - lse_h[None, :]).sum() + logZmu.sum())

    def mean_distance(self) -> float:
        return float((self.marginals() * self.dist_table).sum() / self.N)


@dataclass
class BPResult:
    """Outcome of BP at one coupling gamma (phi, F per synapse)."""

    gamma: float
    converged: bool
    iterations: int
    delta: float
    phi: float = float("nan")  # Bethe free entropy per synapse
    d: float = float("nan")  # <distance> per synapse
    F: float = float("nan")  # local entropy phi + gamma d
    message: str = ""
    elapsed: float = 0.0
    marginals: np.ndarray | None = field(default=None, repr=False)
    contradiction: bool = False  # some pattern violated with certainty (log Z_mu < CONTRADICTION_LOG_Z)
    min_log_z: float = float("nan")  # the smallest log Z_mu


def run_bp(bp: PerceptronBP, max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
           progress=None, min_iter: int = 2) -> BPResult:
    """Iterate ``bp.sweep`` until the marginals change by less than ``tol`` (or max_iter).  A fixed point
    at which a pattern is violated with certainty (``log Z_mu < CONTRADICTION_LOG_Z``, see the module
    docstring) is returned with ``converged=False``, ``contradiction=True`` and phi, F NaN."""
    t0 = time.perf_counter()
    delta = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        delta = bp.sweep(damping)
        if progress is not None:
            progress(it, delta)
        if not np.isfinite(delta):
            break
        if delta < tol and it >= min_iter:
            break
    converged = bool(np.isfinite(delta) and delta < tol)
    phi = bp.free_entropy() / bp.N
    d = bp.mean_distance()
    lz = bp.pattern_log_z()
    worst = float(np.min(lz)) if lz.size else 0.0
    n_bad = int(np.count_nonzero(~(lz >= CONTRADICTION_LOG_Z)))
    if n_bad or not np.isfinite(phi):
        msg = (f"contradiction: {n_bad} of {bp.M} patterns violated with certainty at the BP fixed point "
               f"(log Z_mu down to {worst:.3g}; phi/N = {phi:.3g} is meaningless): the instance probably has "
               "no solution, or the coupling froze the messages onto a reference that is not one")
        return BPResult(gamma=bp.gamma, converged=False, iterations=it, delta=float(delta), d=d, message=msg,
                        elapsed=time.perf_counter() - t0, marginals=bp.marginals(), contradiction=True,
                        min_log_z=worst)
    return BPResult(gamma=bp.gamma, converged=converged, iterations=it, delta=float(delta), phi=phi, d=d,
                    F=phi + bp.gamma * d,
                    message="converged" if converged else f"not converged after {it} sweeps (delta {delta:.2e})",
                    elapsed=time.perf_counter() - t0, marginals=bp.marginals(), min_log_z=worst)


def default_gammas(states, distance: str = "squared") -> list:
    """Couplings for a sweep, scaled by 1/(smallest nonzero one-step distance) of the state set."""
    step = states.step_distance if distance == "squared" else 1.0
    base = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0]
    return [g / step for g in base]


def local_entropy_sweep(inst: Instance, reference, gammas=None, distance: str = "squared",
                        max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
                        progress=None) -> list:
    """BP local entropy F(d) around ``reference`` for each gamma (list of :class:`BPResult`, gamma order
    as given).  Couplings are visited from the smallest up, each warm-starting the next from the
    previous messages (starting from the largest coupling lets the messages collapse onto the
    reference, a frozen fixed point with d = 0, from which smaller couplings do not escape)."""
    reference = np.asarray(reference, dtype=np.float64)
    if gammas is None:
        gammas = default_gammas(inst.states, distance)
    gammas = [float(g) for g in gammas]
    for g in gammas:
        if not np.isfinite(g):
            raise ValueError(f"--gammas: couplings must be finite, got {g}")
    bp = PerceptronBP(inst, reference, distance=distance)
    out = {}
    for j, g in enumerate(sorted(set(gammas))):
        bp.gamma = g
        r = run_bp(bp, max_iter=max_iter, tol=tol, damping=damping)
        r.marginals = None
        out[g] = r
        if progress is not None:
            progress(j + 1, len(set(gammas)))
    return [out[g] for g in gammas]
