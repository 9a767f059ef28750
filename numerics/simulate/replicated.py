"""The replicated system at finite y on one instance, by BP with one factor per pattern over all y replicas
(physics.md §4, "The replicated system at finite y, by BP" and "Which BP").

Partition function (reference summed over, c = 0, prior weights pi):

    Z(gamma, y) = sum_W~ pi(W~) prod_{a=1..y} sum_{W^a} pi(W^a) X(W^a) exp(gamma sum_i w(W^a_i, W~_i)),
    w(W, W~) = 1 - 2 dist(W, W~)          (dist: squared (default) or hamming, numerics.simulate.distances)

so that for +-1 synapses w = W W~ and the coupling is gamma W^a.W~ (the binary convention of the issue);
for L states e^{gamma w} = e^{gamma} e^{-2 gamma dist}: gamma is half the Lagrange multiplier of the
distance.  Observables (per synapse):

    F = (1/N) log Z,   S = (1/y) dF/dgamma = (1/(N y)) sum_{i,a} <w(W^a_i, W~_i)>,   d = (1 - S) / 2,
    yPhi(d, y) = F - y gamma S          (the Legendre transform: the local-entropy functional of §3).

Synapse variable.  Synapse i carries (W~_i, W^1_i .. W^y_i).  Every factor is symmetric under permutations
of the replicas, so with exchangeable messages the marginals depend only on the *class* (W~, n), n_k the
number of replicas in state s_k: ``K = L * C(y + L - 1, L - 1)`` classes, of multiplicity y!/prod n_k!.

Pattern factor (one per pattern, over all y replicas).  The fields h_a = x_mu . W^a of pattern mu are, given
the cavity marginals, jointly Gaussian with mean omega (the same for every a), variance V and an
exchangeable covariance C (a common part from the shared reference plus the coupling through the other
patterns):  h_a = omega + sqrt(C) z + sqrt(V - C) u_a.  With theta = kappa - sigma (omega + b),
s = sqrt(V - C), t(z) = (theta - sqrt(C) z) / s,

    Z_out(omega, V, C) = E_z prod_a H(t(z)) = E_z H(t(z))^y           (the structure of the theory's G_E).

Relaxed form (second order in 1/sqrt(N)), written as AMP/TAP (the relaxed BP with the cavity corrections
taken to the same order, so a sweep costs a few M x N matrix-vector products): per synapse the fields
(A, b2, b11) give the class weights

    log p_i(W~, n) = log pi(W~) + log(y!/prod n_k!) + sum_k n_k [log pi_k + gamma w(s_k, W~)]
                     + A_i T1 + b2_i T2 / 2 + b11_i T1^2 / 2 - log Z_in,i,     T1 = sum_a W^a, T2 = sum_a (W^a)^2,

with moments m = <W^a>, v = <(W^a)^2> - m^2, c = <W^a W^b> - m^2 (a != b); per pattern
omega = x.m - g_old (V + (y - 1) C), V = x^2.v, C = x^2.c, and, with r = G/H (via erfcx) and <.> the
average over z with weight Dz H(t)^y / Z_out,

    g = sigma <r> / s,   g_o = Var(r) / s^2,   g_d - g_o = -<r (r - t)> / s^2       (d/domega_a, d2/domega_a domega_b)
    A = x^T g - m x^2^T (g_d + (y - 1) g_o),   b2 = x^2^T (g_d - g_o),   b11 = x^2^T g_o.

Bethe free entropy at the fixed point (the GLM form with y-vector variables, variational: dF/dgamma = y S
holds exactly at a fixed point, checked by tests/test_replicated_bp.py):

    N F = sum_mu [log Z_out,mu + g_mu^2 (y (V_mu - C_mu) + y^2 C_mu) / 2]
          + sum_i [log Z_in,i - <A_i T1 + b2_i T2 / 2 + b11_i T1^2 / 2>_i].

The one-dimensional integral (:func:`pattern_average`) is over z when sqrt(C) <= s and otherwise over the
smallest u_a (the same Z_out, written so that the integrand has no step narrower than its own width):
a trapezoid rule in u on x = x* + sigma* sinh(u), x* the mode of the log-concave integrand and sigma* its
width there, 61 nodes (relative error < 1e-11 against a fine grid over random (theta, V, C, y)), in log
domain (log H = log_ndtr, G/H by erfcx), so hard constraints (V - C -> 0) never give 0/0; V - C is floored
at ``var_floor`` and C clipped to [0, V].

Iteration: parallel sweeps with damping of (A, b2, b11), adaptive (see :func:`run_replicated`).  With 0/1
inputs the pattern matrix has a mean f/scale, whose uniform field on all synapses has a parallel-update
gain of order -alpha N f/(1-f); it is updated by a Newton step (:meth:`ReplicatedBP._common_mode`), so
that the iteration converges at N ~ 1000.  Caveat (0/1 inputs): the common mode (f/scale) sum_i W^a_i enters
every pattern and the central-limit form treats its O(1) fluctuation as independent per pattern; ties
(a raw field exactly at the threshold, not stored) are frequent at small N and invisible to the Gaussian
messages.  Measured for binary, f = 0.5, default threshold, alpha = 0.5: s_Bethe exceeds the exact
log(#solutions)/N by 0.12 (N = 21) and 0.06 (N = 25) on average over 6 instances (+-1 inputs: 0.01-0.02);
at N = 1000, s_Bethe = 0.19 (+-1 inputs: 0.31).  So for 0/1 inputs F is checked only through its
identities (gamma = 0, alpha = 0, S = dF/dgamma), not its accuracy.

Measured (binary, alpha = 0.5, y = 3, d = 0.2 / 0.1 / 0.05; N = 500, 1000, 2000 with 10, 14, 12 instances):
yPhi within 1.6 standard errors of the RS theory (c = 0) at every point (instance sd 0.015-0.04); the
control variate yPhi - y s_Bethe against yPhi_theory - y s(alpha) has an sd of 0.002-0.016, and differs
by -0.0006 +- 0.0006, -0.0018 +- 0.0014, -0.0031 +- 0.0023 at N = 2000 (-0.0014 +- 0.0009, -0.0034 +- 0.0022,
-0.0055 +- 0.0034 extrapolated linearly in 1/N); overlaps q1, q0 within 0.002 of the theory's at N = 2000.

At gamma = 0 the system factorises: F(0, y) = log sum_k pi_k + y s_Bethe with s_Bethe = F(0, 1) - log sum pi
the plain (relaxed) BP entropy, which :func:`bethe_entropy` returns; yPhi - y s_Bethe of the same instance
is a control variate that removes most instance-to-instance fluctuations.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.special import erfcx, gammaln, log_ndtr, logsumexp

from .distances import check_distance
from .instances import Instance

__all__ = ["ReplicaClasses", "replica_classes", "pattern_average", "ReplicatedBP", "ReplicatedResult",
           "run_replicated", "replicated_at_d", "bethe_entropy", "replicated_points", "CONTRADICTION_LOG_Z"]

CONTRADICTION_LOG_Z = -50.0  # as numerics.simulate.bp: a pattern stored with probability < e^-50 is violated
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------------------------
# the synapse classes


@dataclass(frozen=True)
class ReplicaClasses:
    """The K symmetric classes (W~, n) of one synapse's (W~, W^1..W^y)."""

    y: int
    ref: np.ndarray  # (K,) index of W~
    counts: np.ndarray  # (K, L) replicas in each state
    T1: np.ndarray  # (K,) sum_a W^a
    T2: np.ndarray  # (K,) sum_a (W^a)^2
    base: np.ndarray  # (K,) log pi(W~) + log multinomial + sum_k n_k log pi_k
    coupling: np.ndarray  # (K,) sum_a w(W^a, W~), w = 1 - 2 dist
    ref_value: np.ndarray  # (K,) the value of W~


def _compositions(y: int, L: int):
    """All (n_1..n_L) with n_k >= 0 and sum n_k = y."""
    for cut in itertools.combinations(range(y + L - 1), L - 1):
        edges = (-1,) + cut + (y + L - 1,)
        yield tuple(edges[k + 1] - edges[k] - 1 for k in range(L))


def replica_classes(states, y: int, distance: str = "squared") -> ReplicaClasses:
    """The classes of a synapse with y replicas (see the module docstring)."""
    check_distance(distance)
    if isinstance(y, bool) or not isinstance(y, (int, np.integer, float)) or int(y) != y or y < 1:
        raise ValueError(f"y: must be an integer >= 1, got {y!r}")
    y = int(y)
    s, lp, L = states.array, states.log_prior, states.L
    if distance == "squared":
        dist = (s[:, None] - s[None, :]) ** 2 / states.spread ** 2  # dist[k, l]: W = s_k, W~ = s_l
    else:
        dist = (np.arange(L)[:, None] != np.arange(L)[None, :]).astype(float)
    w = 1.0 - 2.0 * dist
    comps = np.array(list(_compositions(y, L)), dtype=np.int64)  # (C, L)
    ref = np.repeat(np.arange(L), len(comps))
    counts = np.tile(comps, (L, 1)).astype(float)
    mult = gammaln(y + 1.0) - gammaln(counts + 1.0).sum(axis=1)
    base = lp[ref] + mult + counts @ lp
    coupling = np.einsum("kl,kl->k", counts, w[:, ref].T)
    return ReplicaClasses(y=y, ref=ref, counts=counts, T1=counts @ s, T2=counts @ (s * s), base=base,
                          coupling=coupling, ref_value=s[ref])


# ---------------------------------------------------------------------------------------------
# the pattern factor


def _ratio(t):
    """r(t) = G(t)/H(t), computed with erfcx (no underflow for either sign of t)."""
    return _SQRT_2_PI / erfcx(t / math.sqrt(2.0))


def _mode(slope, like, iters: int = 80):
    """The maximum x* of a concave l(x), given ``slope(x) -> (l'(x), -l''(x))`` on arrays: the bracket
    [lo, hi] ([-1, 1] to start) is widened until l'(lo) > 0 > l'(hi), then safeguarded Newton (a step that
    leaves the bracket is replaced by bisection).  ``like``: an array of the shape of x.
    Returns (x*, -l''(x*))."""
    lo, hi = -np.ones_like(like), np.ones_like(like)
    for _ in range(60):
        fl, fh = slope(lo)[0], slope(hi)[0]
        if np.all(fl > 0) and np.all(fh < 0):
            break
        lo = np.where(fl > 0, lo, 2.0 * lo - hi)
        hi = np.where(fh < 0, hi, 2.0 * hi - lo)
    x = 0.5 * (lo + hi)
    for _ in range(iters):
        f, curv = slope(x)
        lo, hi = np.where(f > 0, x, lo), np.where(f > 0, hi, x)
        xn = x + f / curv
        xn = np.where((xn > lo) & (xn < hi), xn, 0.5 * (lo + hi))
        done = np.all(np.abs(xn - x) <= 1e-7 * (1.0 + np.abs(x)))  # the grid needs x* to ~sig only
        x = xn
        if done:
            break
    return x, slope(x)[1]


def _grid(x_star, curv, n_nodes):
    """Nodes x = x* + sig sinh(u), u uniform on [-U, U], sig = curv^-1/2, reaching x* +- 14 (the integrand's
    log is concave with curvature >= 1, so it has fallen by > 90 there), and log(du dx/du)."""
    sig = 1.0 / np.sqrt(curv)
    U = np.arcsinh(14.0 / sig)
    u = np.linspace(-1.0, 1.0, n_nodes)[None, :] * U[:, None]
    du = (2.0 * U / (n_nodes - 1))[:, None]
    return x_star[:, None] + sig[:, None] * np.sinh(u), np.log(du * sig[:, None] * np.cosh(u))


def _average_z(theta, s, sc, y, n_nodes):
    """Over z (for sc <= s): weight Dz H(t)^y, t = (theta - sc z)/s, curvature of its log in [1, 1 + y]."""
    a = sc / s

    def slope(z):
        t = theta / s - a * z
        r = _ratio(t)
        return -z + y * a * r, 1.0 + y * a * a * r * (r - t)

    zs, curv = _mode(slope, theta)
    z, logj = _grid(zs, curv, n_nodes)
    t = (theta[:, None] - sc[:, None] * z) / s[:, None]
    logw = logj - 0.5 * z * z - _LOG_SQRT_2PI + y * log_ndtr(-t)
    logZ = logsumexp(logw, axis=1)
    p = np.exp(logw - logZ[:, None])
    r = _ratio(t)
    dr = r - r[:, n_nodes // 2][:, None]  # about the value at the mode: exactly 0 when C = 0
    mean_dr = (p * dr).sum(axis=1)
    mean_r = mean_dr + r[:, n_nodes // 2]
    var_r = np.maximum((p * dr * dr).sum(axis=1) - mean_dr ** 2, 0.0)
    rrt = (p * r * (r - t)).sum(axis=1)
    s2 = s * s
    return logZ, mean_r / s, var_r / s2, -rrt / s2


def _average_m(theta, s, sc, y, n_nodes):
    """Over the smallest u_a, m (for s < sc): Z = E_m H(tau), tau = (theta - s m)/sc, m of density
    y phi(m) H(m)^(y-1); the derivatives in theta and C give the per-replica ones (module docstring of
    :func:`pattern_average`)."""
    b = s / sc

    def slope(m):
        tau = theta / sc - b * m
        rm, rt = _ratio(m), _ratio(tau)
        return -m - (y - 1) * rm + b * rt, 1.0 + (y - 1) * rm * (rm - m) + b * b * rt * (rt - tau)

    ms, curv = _mode(slope, theta)
    m, logj = _grid(ms, curv, n_nodes)
    tau = (theta[:, None] - s[:, None] * m) / sc[:, None]
    logw = (logj + math.log(y) - 0.5 * m * m - _LOG_SQRT_2PI + (y - 1) * log_ndtr(-m) + log_ndtr(-tau))
    logZ = logsumexp(logw, axis=1)
    p = np.exp(logw - logZ[:, None])
    rho = _ratio(tau)
    C = sc * sc
    e1 = (p * rho).sum(axis=1) / (y * sc)  # -d log Z / d theta_a
    B = (p * tau * rho).sum(axis=1) / C  # (d^2 Z / d theta^2) / Z, theta shifted for all a
    D = -(p * rho * (m / (2.0 * s[:, None] * sc[:, None]) - tau / (2.0 * C[:, None]))).sum(axis=1)  # Z_C / Z
    if y == 1:
        return logZ, e1, np.zeros_like(e1), B - e1 * e1
    off = 2.0 * D / (y * (y - 1))  # (d_1 d_2 Z) / Z
    return logZ, e1, off - e1 * e1, (B - 2.0 * D) / y - off


def pattern_average(theta, V, C, y: int, n_nodes: int = 61, var_floor: float = 1e-10):
    """The pattern factor of the y replicas: Z_out = E_z prod_a H(t_a(z)), t_a = (theta_a - sqrt(C) z)/s,
    s = sqrt(V - C), at theta_a = theta (one entry per pattern in the arrays), and its derivatives in the
    per-replica thresholds theta_a at the symmetric point:

        e1 = -d log Z / d theta_a,  g_o = d^2 log Z / d theta_a d theta_b (a != b),  g_dmo = g_d - g_o,
        g_d = d^2 log Z / d theta_a^2.

    Two exact representations, chosen so that the integrand's log-curvature lies in [1, 1 + y] (no hidden
    narrow step): for sqrt(C) <= s the average over the common field z (e1 = <r>/s, g_o = Var(r)/s^2,
    g_dmo = -<r (r - t)>/s^2, r = G/H, weight Dz H(t)^y); otherwise the average over m = min_a u_a,
    Z = E_m H((theta - s m)/sqrt(C)), with d_1 d_2 Z = 2 (dZ/dC) / (y (y - 1)) (the heat equation: V fixed,
    the common covariance C moved).  V - C is floored at ``var_floor``, C at 0.

    Returns ``(logZ, e1, g_o, g_dmo)``."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    C = np.maximum(np.broadcast_to(np.asarray(C, dtype=float), theta.shape), 0.0)
    s = np.sqrt(np.maximum(np.broadcast_to(np.asarray(V, dtype=float), theta.shape) - C, var_floor))
    sc = np.sqrt(C)
    use_m = sc > s
    out = [np.empty_like(theta) for _ in range(4)]
    for mask, fn in ((~use_m, _average_z), (use_m, _average_m)):
        if np.any(mask):
            for o, v in zip(out, fn(theta[mask], s[mask], sc[mask], y, n_nodes)):
                o[mask] = v
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# the joint BP (relaxed, AMP form)


class ReplicatedBP:
    """Relaxed BP for the replicated system of one instance (module docstring).  Mutable: ``gamma`` may be
    changed between runs (the messages are kept as a warm start).

    State: synapse fields ``A, b2, b11`` (N), pattern outputs ``g, g_d, g_o`` (M, used in the next
    sweep's Onsager term)."""

    def __init__(self, inst: Instance, y: int, gamma: float = 0.0, distance: str = "squared",
                 var_floor: float = 1e-10, n_nodes: int = 61):
        self.inst = inst
        self.cls = replica_classes(inst.states, y, distance)
        self.y = self.cls.y
        x, b = inst.linear_form()
        self.x, self.xT, self.b = x, np.ascontiguousarray(x.T), float(b)
        # x^2 is 1/N for +-1 inputs and x / scale for 0/1 inputs (xi^2 = xi): products with x^2 reuse x
        self.x2_const = 1.0 / inst.scale ** 2 if inst.input_model == "pm1" else None
        self.sigma = inst.labels.astype(float)
        self.kappa = float(inst.kappa)
        self.M, self.N = inst.M, inst.N
        self.gamma = float(gamma)
        self.var_floor, self.n_nodes = float(var_floor), int(n_nodes)
        self.distance = distance
        self.reset()

    def reset(self):
        """Messages to zero (the alpha = 0 fixed point)."""
        self.A, self.b2, self.b11 = (np.zeros(self.N) for _ in range(3))
        self.g, self.gd, self.go = (np.zeros(self.M) for _ in range(3))
        self.c_common = 0.0  # 0/1 inputs: the uniform part of A (see _common_mode)

    _STATE = ("A", "b2", "b11", "g", "gd", "go", "c_common")

    def get_state(self) -> dict:
        """A copy of the messages (for a warm start elsewhere, :meth:`set_state`)."""
        return {k: np.copy(getattr(self, k)) for k in self._STATE}

    def set_state(self, state: dict) -> None:
        for k in self._STATE:
            setattr(self, k, np.copy(state[k]) if np.ndim(state[k]) else float(state[k]))

    # -- synapse side ----------------------------------------------------------------------------
    def logits(self) -> np.ndarray:
        """log p_i(class) up to log Z_in,i (N x K)."""
        c = self.cls
        return (c.base[None, :] + self.gamma * c.coupling[None, :] + self.A[:, None] * c.T1[None, :]
                + 0.5 * self.b2[:, None] * c.T2[None, :] + 0.5 * self.b11[:, None] * (c.T1 ** 2)[None, :])

    def synapse_moments(self):
        """Class marginals p (N x K), log Z_in (N) and the moments m, v, c (N each): v the variance of one
        replica, c the covariance of two (0 for y = 1)."""
        lg = self.logits()
        logz = logsumexp(lg, axis=1)
        p = np.exp(lg - logz[:, None])
        c, y = self.cls, self.y
        ET1, ET2 = p @ c.T1, p @ c.T2
        m = ET1 / y
        v = np.maximum(ET2 / y - m * m, 0.0)
        cov = ((p @ c.T1 ** 2 - ET2) / (y * (y - 1)) - m * m) if y > 1 else np.zeros_like(m)
        return p, logz, m, v, cov

    # -- pattern side ----------------------------------------------------------------------------
    def pattern_fields(self, m, v, cov, g_old):
        """omega (with the Onsager term), V and C per pattern."""
        if self.x2_const is not None:
            xm = self.x @ m
            V = np.full(self.M, self.x2_const * v.sum())
            C = np.full(self.M, self.x2_const * cov.sum())
        else:
            xm, V, C = (self.x @ np.stack([m, v, cov], axis=1)).T
            V, C = V / self.inst.scale, C / self.inst.scale
        C = np.clip(C, 0.0, V)  # an exchangeable covariance of a common Gaussian field: 0 <= C <= V
        return xm - g_old * (V + (self.y - 1) * C), V, C

    def synapse_fields(self, m):
        """A, b2, b11 from the pattern outputs g, g_d, g_o (with the Onsager term in A)."""
        y = self.y
        go, gdmo = self.go, self.gd - self.go
        if self.x2_const is not None:
            xg = self.xT @ self.g
            s_on, s_dmo, s_o = self.x2_const * np.array([(gdmo + y * go).sum(), gdmo.sum(), go.sum()])
        else:
            xg, s_on, s_dmo, s_o = (self.xT @ np.stack([self.g, gdmo + y * go, gdmo, go], axis=1)).T
            s_on, s_dmo, s_o = s_on / self.inst.scale, s_dmo / self.inst.scale, s_o / self.inst.scale
        return xg - m * s_on, s_dmo, s_o

    def pattern_outputs(self, omega, V, C):
        """log Z_out and g, g_d, g_o per pattern (derivatives in omega_a; theta = kappa - sigma (omega + b))."""
        theta = self.kappa - self.sigma * (omega + self.b)
        logZ, e1, go, gdmo = pattern_average(theta, V, C, self.y, self.n_nodes, self.var_floor)
        return logZ, self.sigma * e1, gdmo + go, go

    def sweep(self, damping: float = 0.5) -> float:
        """One parallel update; returns the largest change of a class marginal probability."""
        p_old, _, m, v, cov = self.synapse_moments()
        _, self.g, self.gd, self.go = self.pattern_outputs(*self.pattern_fields(m, v, cov, self.g))
        A, b2, b11 = self.synapse_fields(m)
        if self.x2_const is None:  # 0/1 inputs: the uniform part of A by a Newton step (see _common_mode)
            A = self._common_mode(A, m, v, cov, damping)
        for name, new in (("A", A), ("b2", b2), ("b11", b11)):
            setattr(self, name, damping * getattr(self, name) + (1.0 - damping) * new)
        return float(np.max(np.abs(self.synapse_moments()[0] - p_old)))

    def _common_mode(self, A_new, m, v, cov, damping):
        """0/1 inputs: x = (xi - f)/scale + f/scale has a mean xbar = f/scale, and A = x^T g - ... carries the
        uniform field c = xbar sum_mu g_mu.  Its parallel update has the gain J = xbar^2 sum_mu dg_mu/domega
        sum_i dm_i/dA_i (of order -alpha N f/(1-f)): plain damping would need 1 - damping ~ 1/N.  Instead c
        takes the Newton step c_old + (c_new - c_old)/(1 - J) (the fixed point is unchanged), and the rest of
        A is damped as usual.  Returns the A to be damped such that the damped A carries the Newton c."""
        xbar = self.inst.f / self.inst.scale
        y = self.y
        c_new = xbar * self.g.sum()
        J = xbar * xbar * float((self.gd + (y - 1) * self.go).sum()) * float((v + (y - 1) * cov).sum())
        c = self.c_common + (c_new - self.c_common) / max(1.0 - J, 1.0)
        # damping A_old + (1 - damping) ret = [damping (A_old - c_old) + (1 - damping) (A_new - c_new)] + c
        ret = (A_new - c_new) + (c - damping * self.c_common) / (1.0 - damping)
        self.c_common = c
        return ret

    # -- observables -----------------------------------------------------------------------------
    def observables(self) -> dict:
        """Bethe free entropy and overlaps at the current messages (per synapse unless stated).

        ``F`` = (1/N) log Z (Bethe, module docstring), ``S`` = <w>, ``d`` = (1 - S)/2, ``yPhi`` = F - y gamma S,
        ``q1`` = (1/N) sum <W^a W^b> (a != b; y >= 2, equal to q0 at y = 1), ``q0`` = (1/N) sum <W>^2, ``Q`` = (1/N) sum <W^2>, ``P`` = (1/N) sum
        <W~>^2, ``R`` = (1/N) sum <W~><W>, ``Qt`` = (1/N) sum <W~^2>; ``min_log_z``: the smallest log Z_out
        (log probability that a pattern is stored by all replicas)."""
        p, logz_in, m, v, cov = self.synapse_moments()
        omega, V, C = self.pattern_fields(m, v, cov, self.g)
        logZ, g, _, _ = self.pattern_outputs(omega, V, C)
        c, y = self.cls, self.y
        ET1, ET2, ET11 = p @ c.T1, p @ c.T2, p @ c.T1 ** 2
        site = logz_in - (self.A * ET1 + 0.5 * self.b2 * ET2 + 0.5 * self.b11 * ET11)
        pat = logZ + 0.5 * g * g * (y * (V - C) + y * y * C)
        F = (site.sum() + pat.sum()) / self.N
        S = float((p @ c.coupling).sum() / (self.N * y))
        mt = p @ c.ref_value
        return {"F": float(F), "S": S, "d": 0.5 * (1.0 - S), "yPhi": float(F - y * self.gamma * S),
                "q1": float(np.mean(cov + m * m)), "q0": float(np.mean(m * m)), "Q": float(np.mean(v + m * m)),
                "P": float(np.mean(mt * mt)), "R": float(np.mean(mt * m)), "Qt": float(np.mean(p @ c.ref_value ** 2)),
                "min_log_z": float(np.min(logZ)) if logZ.size else 0.0}


@dataclass
class ReplicatedResult:
    """The replicated system at one coupling (per synapse): see :meth:`ReplicatedBP.observables`."""

    gamma: float
    y: int
    converged: bool
    iterations: int
    delta: float  # the last sweep's largest change of a class marginal (the residual)
    F: float = float("nan")  # (1/N) log Z(gamma, y), Bethe
    S: float = float("nan")  # (1/(N y)) d log Z / d gamma = <w>
    d: float = float("nan")  # (1 - S)/2
    yPhi: float = float("nan")  # F - y gamma S
    overlaps: dict = field(default_factory=dict)  # q1, q0, Q, P, R, Qt
    min_log_z: float = float("nan")
    contradiction: bool = False
    message: str = ""
    elapsed: float = 0.0
    target_d: float | None = None  # set by replicated_at_d
    root_residual: float | None = None  # d - target_d at the returned gamma

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("gamma", "y", "d", "S", "F", "yPhi", "converged", "iterations",
                                              "delta", "min_log_z", "contradiction", "message", "elapsed")}
        out.update(self.overlaps)
        if self.target_d is not None:
            out.update(target_d=self.target_d, root_residual=self.root_residual)
        return out


def _iterate(bp: ReplicatedBP, damping: float, max_iter: int, tol: float, min_iter: int, patience: int):
    """Sweeps until ``delta < tol`` ("converged"), a non-finite delta ("diverged"), ``patience`` sweeps without
    a new smallest delta ("stalled") or ``max_iter`` sweeps ("max_iter").  Returns (status, delta, sweeps)."""
    best, since, delta = np.inf, 0, np.inf
    for it in range(1, max_iter + 1):
        delta = bp.sweep(damping)
        if not np.isfinite(delta):
            return "diverged", delta, it
        if delta < tol and it >= min_iter:
            return "converged", delta, it
        best, since = (delta, 0) if delta < best else (best, since + 1)
        if since >= patience:
            return "stalled", delta, it
    return "max_iter", delta, max_iter


def run_replicated(bp: ReplicatedBP, max_iter: int = 2000, tol: float = 1e-10, damping: float = 0.5,
                   min_iter: int = 2, patience: int = 100, max_damping: float = 0.995) -> ReplicatedResult:
    """Iterate ``bp.sweep`` at ``bp.gamma`` until the class marginals change by less than ``tol``.

    Adaptive damping: when the iteration diverges, stalls (``patience`` sweeps without a new smallest
    change) or ends in a contradiction, the messages go back to their state at the call and the damping
    moves half way to 1 (up to ``max_damping``); ``max_iter`` bounds the sweeps of all attempts together.
    (Parallel AMP with 0/1 inputs, whose pattern matrix has a mean, needs more damping as N grows.)  A fixed
    point at which a pattern is violated by the replicas with certainty (log Z_out < CONTRADICTION_LOG_Z,
    or F below alpha * CONTRADICTION_LOG_Z) is returned with ``converged=False``, ``contradiction=True`` and
    F, yPhi NaN; a run that did not reach ``tol`` keeps its values and says so (``converged=False``)."""
    t0, start, used, notes = time.perf_counter(), bp.get_state(), 0, []
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        while True:
            status, delta, it = _iterate(bp, damping, max_iter - used, tol, min_iter, patience)
            used += it
            obs = bp.observables() if status != "diverged" else None
            bad = obs is None or not (obs["min_log_z"] >= CONTRADICTION_LOG_Z
                                      and obs["F"] >= bp.M / bp.N * CONTRADICTION_LOG_Z)
            if (status == "converged" and not bad) or used >= max_iter or damping >= max_damping:
                break
            notes.append(f"{status}{' (contradiction)' if bad and status == 'converged' else ''} at damping "
                         f"{damping:g}")
            bp.set_state(start)
            damping = min(max_damping, 1.0 - 0.5 * (1.0 - damping))
    if obs is None:
        obs = {k: float("nan") for k in ("F", "S", "d", "yPhi", "q1", "q0", "Q", "P", "R", "Qt", "min_log_z")}
    converged = status == "converged"
    over = {k: obs[k] for k in ("q1", "q0", "Q", "P", "R", "Qt")}
    over["damping_used"] = damping
    res = ReplicatedResult(gamma=bp.gamma, y=bp.y, converged=converged, iterations=used, delta=float(delta),
                           S=obs["S"], d=obs["d"], overlaps=over, min_log_z=obs["min_log_z"])
    retry = f" (after: {'; '.join(notes)})" if notes else ""
    if bad:
        res.converged, res.contradiction = False, status != "diverged"
        res.message = (f"contradiction: a pattern is violated with certainty at the fixed point (log Z_out down "
                       f"to {obs['min_log_z']:.3g}, F = {obs['F']:.3g}): F is meaningless; the instance "
                       "probably has no solution" if res.contradiction else f"diverged: {status}") + retry
    else:
        res.F, res.yPhi = obs["F"], obs["yPhi"]
        res.message = ("converged" if converged else f"not converged after {used} sweeps ({status}, delta "
                       f"{delta:.2e})") + retry
    res.elapsed = time.perf_counter() - t0
    return res


def bethe_entropy(inst: Instance, **run_kw):
    """``(s_Bethe, result)``: the plain BP entropy of the instance by the same code, y = 1 and gamma = 0,
    s_Bethe = F - log sum_k pi_k (the free reference contributes only its prior).  s_Bethe is NaN only
    when ``result`` is a contradiction (its message says so); check ``result.converged``."""
    res = run_replicated(ReplicatedBP(inst, 1, 0.0), **run_kw)
    return res.F - inst.states.log_measure, res


def replicated_at_d(bp: ReplicatedBP, d: float, gamma_max: float = 20.0, xtol: float = 1e-9,
                    **run_kw) -> ReplicatedResult:
    """The coupling gamma >= 0 with d(gamma) = d (a one-dimensional root, brentq) and the result there.

    The bracket: gamma doubled from 0.25 until d(gamma) < d.  Every evaluation starts from the messages of
    the largest coupling seen so far with d(gamma) > d (the branch continued from gamma = 0): at large
    gamma the replicas can collapse onto the reference (a first-order jump of d to ~0), and a warm start
    from the collapsed messages would stay there.  Raises ValueError when d is not in (0, d(0)); when no
    gamma <= ``gamma_max`` reaches d, or d(gamma) jumps over d, the result closest to the root is returned
    with ``converged=False`` and the reason in ``message``."""
    if not (0.0 < d < 1.0):
        raise ValueError(f"--d: the target distance must lie strictly between 0 and 1, got {d}")
    bp.gamma = 0.0
    r0 = run_replicated(bp, **run_kw)
    if not (d < r0.d):
        raise ValueError(f"--d: the target distance must be below d(gamma = 0) = {r0.d:.6g} (gamma >= 0), got {d}")
    cache, above = {}, [0.0, bp.get_state()]  # the largest gamma with d(gamma) > d, and its messages

    def f(g):
        g = float(g)
        bp.set_state(above[1])
        bp.gamma = g
        cache[g] = run_replicated(bp, **run_kw)
        if cache[g].d > d and g > above[0]:
            above[:] = [g, bp.get_state()]
        return cache[g].d - d

    lo, hi = 0.0, 0.25
    while f(hi) > 0:
        if hi >= gamma_max:
            return _unreached(cache[hi], d, f"no gamma <= {gamma_max:g} reaches d = {d:g} "
                                            f"(d({hi:g}) = {cache[hi].d:.6g})")
        lo, hi = hi, 2.0 * hi
    g = brentq(f, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps)
    res = cache[g] if g in cache else (f(g), cache[g])[1]
    res.target_d, res.root_residual = d, res.d - d
    if abs(res.root_residual) > 1e-6:
        return _unreached(res, d, f"d(gamma) jumps over d = {d:g} near gamma = {g:.6g} (d = {res.d:.6g} "
                                  "there): the replicas collapse onto the reference before reaching it")
    return res


def _unreached(res: ReplicatedResult, d: float, why: str) -> ReplicatedResult:
    res.converged, res.target_d, res.root_residual = False, d, res.d - d
    res.message = why + "; " + res.message
    return res


def replicated_points(inst: Instance, y: int, gammas=None, ds=None, distance: str = "squared",
                      progress=None, **run_kw) -> tuple:
    """The replicated system of ``inst`` at each coupling in ``gammas`` (visited in increasing order, each
    warm-starting the next, results in the order given) or at each target distance in ``ds`` (gamma by
    :func:`replicated_at_d`); exactly one of the two.  Returns ``(s_bethe, s_result, points)``: the plain
    BP entropy of the instance (:func:`bethe_entropy`, for the control variate yPhi - y s_Bethe), its run,
    and the list of :class:`ReplicatedResult`."""
    if (gammas is None) == (ds is None):
        raise ValueError("give either the couplings (--gamma) or the distances (--d), not both")
    items = [float(v) for v in (gammas if gammas is not None else ds)]
    for v in items:
        if not np.isfinite(v) or (gammas is not None and v < 0):
            raise ValueError(f"--gamma: couplings must be finite and >= 0, got {v}")
    bp = ReplicatedBP(inst, y, 0.0, distance=distance)
    s_bethe, s_res = bethe_entropy(inst, **run_kw)
    out = {}
    for j, v in enumerate(sorted(set(items))):
        if gammas is not None:
            bp.gamma = v
            out[v] = run_replicated(bp, **run_kw)
        else:
            out[v] = replicated_at_d(bp, v, **run_kw)
        if progress is not None:
            progress(j + 1, len(set(items)))
    return s_bethe, s_res, [out[v] for v in items]
