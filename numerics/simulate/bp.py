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

0/1 inputs (``input_model == "01"``, used by :func:`run_bp` and :func:`local_entropy_sweep` whenever
the instance has 0/1 inputs; ``PerceptronBP(..., pin_sum=True)``).  Plain BP is wrong there at O(1),
not O(1/N), for two reasons, and this mode removes both:

* **the coherent mode.**  Every input of a 0/1 pattern is >= 0, so the field
  ``sum_j x_mu,j W_j = sum_j xt_mu,j W_j + c_mu K`` (``c_mu = mean_j x_mu,j``, ``xt = x - c_mu`` summing
  to 0 over j, ``K = sum_j W_j``) contains the global sum K with a coefficient ``c_mu ~ f/sqrt(N f (1-f))``
  common to all patterns.  K enters every field as ``c_mu K ~ sqrt(N) (K/N)``, so the patterns pin K
  to an O(1) window; plain BP treats the W_j as independent under the cavity measure, gives K the
  variance ``N <v>`` and so every cavity field the spurious extra variance ``c² N <v>`` (a factor
  ``1/(1-f)`` in V at large N), and the parallel updates of this mode are unstable (measured: binary,
  f = 0.3, alpha = 0.5, kappa = 0: plain BP ends in a contradiction with all W_j = +-1 at N = 101,
  501, 1001 with damping 0.5; with damping 0.95 it converges at N = 201 to phi = 0.253, 0.267 where
  the RS theory says 0.3144).  Here K is conditioned on exactly:
  ``Z = sum_K Z_K``, ``Z_K = sum_{W: sum W = K} prod_mu 1[sigma_mu (xt_mu . W + c_mu K + b_mu) > kappa]``,
  and each Z_K is computed by BP on the centred inputs xt with the per-pattern offsets ``c_mu K + b_mu``,
  a uniform field ``lam * W`` on every synapse and the Legendre transform
  ``log Z_K = phi(lam) - lam K + log(step / sqrt(2 pi Var_K))`` (``lam`` solved so that the BP marginals
  have ``sum_i <W_i> = K``; the last term is the local central limit theorem for the sum of the
  independent tilted W_i, ``Var_K = sum_i Var(W_i)``, ``step`` the lattice spacing of K).  K runs over
  its lattice ``N s_min + step * k``, outwards from the prior mean, until the terms fall e^-25 below
  the largest (the window is O(1) wide in K whatever N).  phi, d and the marginals are the
  Z_K-weighted sums and mixtures over K.
* **the lattice.**  With few active inputs the raw field ``sum_j xi_j W_j`` takes few values, on the
  lattice ``s_min * sum_j xi_j + step * Z`` (state values ``s_min + step * k``), and the strict
  inequality excludes ties, which are frequent (binary, even number of active inputs, threshold 0).
  The Gaussian message is therefore given the continuity-corrected threshold: half-way between the
  last lattice value that violates the pattern and the first that stores it (``_lattice_offsets``).
  For +-1 inputs with binary synapses and odd N this is the threshold itself (no change); the +-1 model
  keeps its plain threshold.

Measured against exact enumeration (phi - log(count)/N, mean over the instances with a solution,
+- one standard error; ``tests/test_biological_models.py``): binary N = 21, f = 0.3, alpha = 0.3, 19
instances: plain BP +0.052 +- 0.019, this mode +0.0072 +- 0.0035; alpha = 0.5, f = 0.5: plain +0.058
+- 0.015 (8 of 19 not converged), this mode -0.003 +- 0.008 (19 of 19); alpha = 0.5, f = 0.3: plain
+0.115 +- 0.013, this mode +0.014 +- 0.0035 (16 of 17 converged); excitatory:3 N = 13, alpha = 0.4,
f = 0.3: plain -0.021 +- 0.008, this mode +0.005 +- 0.001.  For comparison, +-1 inputs, binary N = 21:
-0.0025 +- 0.0016 (alpha = 0.3), +0.008 +- 0.003 (alpha = 0.5), the O(1/N) Bethe error.  Neither
correction alone helps (centring and the sum over K without the lattice correction: +0.10 at binary
alpha = 0.3, f = 0.3; the lattice correction without centring: -0.011 with one instance at -0.95, and
-0.054 +- 0.003 at alpha = 0.5, f = 0.5).  Limit: symmetric:3, N = 13, alpha = 0.5, f = 0.3: 15 of 17
instances within 0.04 of the exact count, two at -0.51 and -0.34, where BP at fixed K ends in a
contradiction at all but one K (patterns of 2-5 active inputs sharing 3 synapses with opposite labels:
short loops).  At large N (binary, alpha = 0.5, f = 0.3) the mode converges where plain BP does not:
phi = 0.255, 0.282 (N = 201), 0.290, 0.302, 0.284 (N = 501), below the N -> infinity RS value 0.3144 by
the ties that the strict inequality excludes at finite N.  Cost: one BP run per value of K
(7-19 values), each with a few secant steps in lam.

Known limits (measured against exact enumeration, tests/test_simulate_bp.py): at N ~ 20 the Bethe
phi deviates by O(1/N) (mean 0.01-0.03).  Around an isolated reference
and at large gamma the messages can freeze onto the reference (d = 0, a fixed point of the hard-field
equations); sweep gamma upwards (as :func:`local_entropy_sweep` does) to follow the physical branch.
The solvers (:mod:`numerics.simulate.solvers`) and the replicated BP (:mod:`numerics.simulate.replicated`)
still use the plain linear form for 0/1 inputs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, log_ndtr, logsumexp

from .distances import check_distance, site_distance_table
from .enumeration import integer_scale
from .instances import TIE_TOL, Instance

__all__ = ["PerceptronBP", "BPResult", "run_bp", "local_entropy_sweep", "default_gammas", "checked_gammas",
           "CONTRADICTION_LOG_Z"]

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

    ``pin_sum=True`` (for 0/1 inputs; :func:`local_entropy_sweep` sets it for them): centred inputs
    ``x - c_mu``, per-pattern offsets ``b = c_mu K + b_mu`` with the continuity-corrected ``b_mu``, and a
    uniform field ``lam``; :meth:`set_sum` sets K and lam, :func:`run_bp` sums over K (module docstring).
    Otherwise ``b`` is the offset of :meth:`Instance.linear_form` for every pattern.

    Layout: messages ``u`` have shape (L, M, N) (state axis first: reductions over states are L
    elementwise passes); fields ``psi``, ``ext`` and ``total_field()`` have shape (N, L)."""

    def __init__(self, inst: Instance, reference=None, gamma: float = 0.0, distance: str = "squared",
                 var_floor: float = 1e-10, seed: int | None = None, init_noise: float = 0.0,
                 pin_sum: bool = False):
        self.inst = inst
        x, b = inst.linear_form()
        self.pin_sum = bool(pin_sum)
        if self.pin_sum:  # 0/1 inputs: centred inputs, per-pattern offsets c_mu K + b_mu (module docstring)
            self.c_mu = x.mean(axis=1)
            x = x - self.c_mu[:, None]
            self.b_mu = _lattice_offsets(inst)
        else:
            self.c_mu = np.zeros(inst.M)
            self.b_mu = np.full(inst.M, float(b))
        self.K = 0.0  # the conditioned sum of the W_i (pin_sum only)
        self.lam = 0.0  # uniform field lam * W_i that holds sum_i <W_i> at K (pin_sum only)
        self.x, self.x2 = x, x * x
        self.b = self.b_mu.copy()  # per-pattern offset, length M
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
        psi = self.log_prior[None, :] - self.gamma * self.dist_table + self.ext
        return psi + self.lam * self.s[None, :] if self.lam else psi

    def set_sum(self, K: float, lam: float = 0.0) -> None:
        """pin_sum mode: condition on sum_i W_i = K (offsets c_mu K + b_mu) with the uniform field lam."""
        self.K, self.lam = float(K), float(lam)
        self.b = self.c_mu * self.K + self.b_mu

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
        base = (self.kappa - sig * (omega[:, None] - xa + self.b[:, None])) / sd  # M x N
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


def sweep_until(bp, max_iter: int, tol: float, damping: float, progress, min_iter: int, it0: int = 0):
    """``bp.sweep(damping)`` until the marginals change by less than tol (at least ``min_iter`` sweeps) or
    by a non-finite amount; returns (sweeps, last change).  Any BP with that ``sweep`` (also
    :class:`numerics.simulate.relaxed_bp.RelaxedBP`)."""
    delta = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        delta = bp.sweep(damping)
        if progress is not None:
            progress(it0 + it, delta)
        if not np.isfinite(delta):
            break
        if delta < tol and it >= min_iter:
            break
    return it, float(delta)


def run_bp(bp: PerceptronBP, max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
           progress=None, min_iter: int = 2) -> BPResult:
    """Iterate ``bp.sweep`` until the marginals change by less than ``tol`` (or max_iter).  A fixed point
    at which a pattern is violated with certainty (``log Z_mu < CONTRADICTION_LOG_Z``, see the module
    docstring) is returned with ``converged=False``, ``contradiction=True`` and phi, F NaN.
    With ``bp.pin_sum`` (0/1 inputs) the sum over the conditioned K = sum_i W_i is done as the module
    docstring describes (``max_iter`` and ``tol`` apply to each inner BP run)."""
    if bp.pin_sum:
        return _run_pinned(bp, max_iter, tol, damping, progress, min_iter)
    t0 = time.perf_counter()
    it, delta = sweep_until(bp, max_iter, tol, damping, progress, min_iter)
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


# ---------------------------------------------------------------------------------------------
# 0/1 inputs: the sum of the synapses conditioned on exactly (module docstring)

PINNED_WINDOW = 25.0  # K terms more than e^-25 below the largest are not computed
PINNED_MAX_HALVINGS = 3  # a contradiction at a trial lam: step halved back towards the last good lam
PINNED_MAX_FAILS = 4  # consecutive values of K at which BP ends in a contradiction before a direction stops
_LAMBDA_TOL = 1e-6  # |sum_i <W_i> - K| at which lam is accepted (error in log Z_K ~ tol^2 / Var)


def _lattice_step(values) -> float | None:
    """Spacing of the lattice s_min + step * Z that holds every state value (None if there is none)."""
    v = np.asarray(values, dtype=np.float64)
    v = v - v.min()
    q = integer_scale(v)
    if q is None:
        return None
    ints = np.round(v * q).astype(np.int64)
    ints = ints[ints > 0]
    if ints.size == 0:
        return None
    return float(np.gcd.reduce(ints)) / q


def _lattice_offsets(inst: Instance) -> np.ndarray:
    """Per-pattern offset b_mu of the linear form, ``stored iff sigma_mu (x_mu . W + b_mu) > kappa``, with
    the continuity-corrected threshold.  The raw field ``patterns[mu] @ W`` lies on the lattice
    ``s_min * sum_j patterns[mu, j] + step * Z``; pattern mu is stored iff ``sigma_mu * raw > T_mu``
    (:meth:`Instance.raw_thresholds`, strict), i.e. iff the raw field passes the mid-point T'_mu between
    the last lattice value that fails and the first that stores it: ``sigma = +1``: ``T' = r+ - step/2``,
    r+ the smallest lattice value > T; ``sigma = -1``: ``T' = -(r- + step/2)``, r- the largest lattice
    value < -T.  Then ``b_mu = sigma_mu (kappa - T'_mu / scale)``.  Without a lattice (state values with
    incommensurate gaps) the plain offset of :meth:`Instance.linear_form`."""
    _, off = inst.linear_form()
    step = _lattice_step(inst.states.array)
    if step is None:
        return np.full(inst.M, float(off))
    s0 = float(inst.states.array.min())
    origin = s0 * inst.patterns.sum(axis=1).astype(np.float64)
    T = inst.raw_thresholds()
    sig = inst.labels.astype(np.float64)
    eps = TIE_TOL * np.maximum(1.0, np.abs(T)) / step
    r_plus = origin + step * (np.floor((T - origin) / step + eps) + 1.0)
    r_minus = origin + step * (np.ceil((-T - origin) / step - eps) - 1.0)
    T_eff = np.where(sig > 0, r_plus - 0.5 * step, -(r_minus + 0.5 * step))
    return sig * (inst.kappa - T_eff / inst.scale)


def _solve_lambda(bp: PerceptronBP, K: float, lam: float, max_iter, tol, damping, progress, min_iter, it0,
                  lam_anchor: float | None = None):
    """BP at the conditioned sum K, with the field lam such that sum_i <W_i> = K at the fixed point
    (secant; Newton with Var = sum_i Var W_i first).  A trial lam at which BP ends in a contradiction is
    halved back towards the last good one (the start messages with ``lam_anchor``, the previous K's
    field, at first).  Returns (ok, lam, sweeps, delta, contradiction)."""
    sweeps, g_old, lam_old = 0, None, None
    delta = np.inf
    good_u, good_lam = bp.u.copy(), lam if lam_anchor is None else lam_anchor
    halvings = 0
    for _ in range(80):
        bp.set_sum(K, lam)
        it, delta = sweep_until(bp, max_iter, tol, damping, progress, min_iter, it0 + sweeps)
        sweeps += it
        if not (np.isfinite(delta) and np.all(bp.pattern_log_z() >= CONTRADICTION_LOG_Z)):
            halvings += 1
            if halvings > PINNED_MAX_HALVINGS or lam == good_lam:
                return False, lam, sweeps, delta, True
            bp.u = good_u.copy()
            lam = good_lam + 0.5 * (lam - good_lam)
            g_old = lam_old = None
            continue
        m = bp.marginals()
        mean = m @ bp.s
        g = float(mean.sum() - K)
        if abs(g) < _LAMBDA_TOL:
            return bool(delta < tol), lam, sweeps, delta, False
        good_u, good_lam = bp.u.copy(), lam
        var = float((m @ bp.s2 - mean * mean).sum())
        slope = var if g_old is None or g == g_old else (g - g_old) / (lam - lam_old)
        if not (slope > 0):
            slope = max(var, 1e-12)
        g_old, lam_old = g, lam
        lam = lam - g / slope
    return False, lam, sweeps, delta, False


def _sum_lattice(bp: PerceptronBP) -> tuple:
    """(step, prior mean K0, interior points) of the lattice of K = sum_i W_i: N s_min + step * k; the two
    ends (all W_i at one extreme) are left out, :func:`_add_end_terms` adds them exactly."""
    N, s = bp.N, bp.s
    step = _lattice_step(s)
    if step is None:  # no lattice: a Riemann sum on the smallest gap (an approximation)
        step = float(np.min(np.diff(np.unique(s))))
    lo, hi = N * float(s.min()), N * float(s.max())
    n_pts = int(round((hi - lo) / step))
    prior = np.exp(bp.log_prior)
    K0 = N * float(np.dot(prior / prior.sum(), s))
    return step, K0, lo + step * np.arange(1, n_pts)


def _run_pinned(bp: PerceptronBP, max_iter, tol, damping, progress, min_iter) -> BPResult:
    """log Z = log sum_K Z_K over the lattice of K = sum_i W_i (module docstring, 0/1 inputs)."""
    t0 = time.perf_counter()
    N, s = bp.N, bp.s
    step, K0, interior = _sum_lattice(bp)

    terms, dists, margs = [], [], []
    sweeps, all_ok, worst_delta = 0, True, 0.0
    u0 = bp.u.copy()
    if interior.size:
        # upwards from the prior mean, then downwards from the lowest point that converged (warm start:
        # from cold messages BP can freeze into a contradiction at a K where a warm start does not)
        j0 = int(np.argmin(np.abs(interior - K0)))
        lowest = None  # (j, messages, lam) of the lowest K that converged on the way up
        done = set()
        for direction in (+1, -1):
            if direction > 0:
                j, lam, bp.u = j0, 0.0, u0.copy()
            elif lowest is not None:
                j, bp.u, lam = lowest[0] - 1, lowest[1].copy(), lowest[2]
            else:
                j, lam, bp.u = j0 - 1, 0.0, u0.copy()
            prev, fails, any_ok = None, 0, False  # prev: (K, lam) of the last converged point (predictor)
            while 0 <= j < interior.size and j not in done:
                K = float(interior[j])
                ok, lam_j, it, delta, contra = _solve_lambda(bp, K, lam, max_iter, tol, damping, progress,
                                                             min_iter, sweeps,
                                                             lam_anchor=None if prev is None else prev[1])
                sweeps += it
                if contra:  # Z_K ~ 0 here, or a frozen start: reset, and give up after a few in a row
                    fails += 1
                    if fails >= (PINNED_MAX_FAILS if (any_ok or terms) else 2 * PINNED_MAX_FAILS):
                        break
                    bp.u, lam, prev = u0.copy(), 0.0, None
                    j += direction
                    continue
                fails, any_ok = 0, True
                done.add(j)
                all_ok &= ok
                worst_delta = max(worst_delta, delta)
                m = bp.marginals()
                mean = m @ s
                var = float((m @ bp.s2 - mean * mean).sum())
                t = bp.free_entropy() - lam_j * K + np.log(step / np.sqrt(2.0 * np.pi * max(var, 1e-300)))
                terms.append(t)
                dists.append(bp.mean_distance())
                margs.append(m)
                if direction > 0 and (lowest is None or j < lowest[0]):
                    lowest = (j, bp.u.copy(), lam_j)
                if t < max(terms) - PINNED_WINDOW:
                    break
                if prev is not None:  # linear predictor for lam at the next K
                    lam = lam_j + (lam_j - prev[1]) / (K - prev[0]) * direction * step
                else:
                    lam = lam_j + direction * step / max(var, 1e-12)
                prev = (K, lam_j)
                j += direction
    _add_end_terms(bp, terms, dists, margs)
    bp.set_sum(K0, 0.0)
    elapsed = time.perf_counter() - t0
    if not terms:
        msg = ("contradiction: BP finds no sum of the synapses K at which all patterns can be stored "
               "(the instance probably has no solution)")
        return BPResult(gamma=bp.gamma, converged=False, iterations=sweeps, delta=float("nan"), message=msg,
                        elapsed=elapsed, contradiction=True)
    terms = np.asarray(terms)
    lz = float(logsumexp(terms))
    w = np.exp(terms - lz)
    phi = lz / N
    d = float(np.dot(w, dists))
    marg = np.tensordot(w, np.asarray(margs), axes=1)
    msg = (f"converged ({len(terms)} values of sum W)" if all_ok else
           f"not converged: some inner BP runs or lam solves did not converge (largest delta {worst_delta:.2e})")
    return BPResult(gamma=bp.gamma, converged=bool(all_ok), iterations=sweeps, delta=worst_delta, phi=phi, d=d,
                    F=phi + bp.gamma * d, message=msg, elapsed=elapsed, marginals=marg)


def _add_end_terms(bp: PerceptronBP, terms: list, dists: list, margs: list) -> None:
    """The two ends of the K lattice, one configuration each (all W_i = s_min, all W_i = s_max), added
    exactly where they are solutions (:func:`_run_pinned`)."""
    N, s = bp.N, bp.s
    for k_end in (0, bp.L - 1):
        W = np.full(N, s[k_end])
        if bp.inst.is_solution(W):
            psi = bp.log_prior[k_end] - bp.gamma * bp.dist_table[:, k_end] + bp.ext[:, k_end]
            terms.append(float(psi.sum()))
            dists.append(float(bp.dist_table[:, k_end].mean()))
            m = np.zeros((N, bp.L))
            m[:, k_end] = 1.0
            margs.append(m)


def default_gammas(states, distance: str = "squared") -> list:
    """Couplings for a sweep, scaled by 1/(smallest nonzero one-step distance) of the state set."""
    step = states.step_distance if distance == "squared" else 1.0
    base = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0]
    return [g / step for g in base]


def checked_gammas(inst: Instance, gammas, distance: str = "squared") -> list:
    """The couplings of a local-entropy sweep as floats (:func:`default_gammas` when None); a
    non-finite one is an error naming ``--gammas``."""
    if gammas is None:
        gammas = default_gammas(inst.states, distance)
    gammas = [float(g) for g in gammas]
    for g in gammas:
        if not np.isfinite(g):
            raise ValueError(f"--gammas: couplings must be finite, got {g}")
    return gammas


def local_entropy_sweep(inst: Instance, reference, gammas=None, distance: str = "squared",
                        max_iter: int = 1000, tol: float = 1e-7, damping: float = 0.5,
                        progress=None) -> list:
    """BP local entropy F(d) around ``reference`` for each gamma (list of :class:`BPResult`, gamma order
    as given).  Couplings are visited from the smallest up, each warm-starting the next from the
    previous messages (starting from the largest coupling lets the messages collapse onto the
    reference, a frozen fixed point with d = 0, from which smaller couplings do not escape)."""
    reference = np.asarray(reference, dtype=np.float64)
    gammas = checked_gammas(inst, gammas, distance)
    bp = PerceptronBP(inst, reference, distance=distance, pin_sum=inst.input_model == "01")
    out = {}
    for j, g in enumerate(sorted(set(gammas))):
        bp.gamma = g
        r = run_bp(bp, max_iter=max_iter, tol=tol, damping=damping)
        r.marginals = None
        out[g] = r
        if progress is not None:
            progress(j + 1, len(set(gammas)))
    return [out[g] for g in gammas]
