"""Solvers for the L-state perceptron (physics.md §4).  Every solver takes a seed and limits
(``max_iter``, ``max_time`` in seconds) and returns a :class:`SolveResult`; ``W`` is the best
configuration found (fewest errors), ``solved`` is re-checked with :meth:`Instance.n_errors`.

``rbp``  reinforced BP: BP sweeps (:mod:`numerics.simulate.bp`, or with ``form="relaxed"`` the relaxed BP of
         :mod:`numerics.simulate.relaxed_bp`, +-1 inputs, 60x faster at N = 4000) plus a self-reinforcing field
         ``ext_i(k) <- r_t * (h_i(k) - max_k h_i - log pi_k)`` (the previous total field, which contains
         the previous ext, shifted so its max is 0 and without the prior), with
         ``r_t = 1 - (1 - r0) (1 - dr)^t`` growing to 1; stop when ``argmax_k h_i(k)`` stores all.
``fbp``  focusing BP: y replicas of each synapse coupled to a centre ``W~_i`` by ``exp(gamma w)``,
         ``w = -dist``; for symmetric replicas the extra field on one replica is
         ``ext_i(s) = log sum_t exp(gamma w(s, t) + (y - 1) K_i(t))``,
         ``K_i(t) = log sum_s m_i(s) exp(gamma w(s, t))`` with ``m_i`` the BP marginal without ``ext``.
         gamma and y grow along the run (scoping); stop when the replica or centre argmax stores all.
``cpr``  clipped perceptron with reinforcement, generalised to L states: each synapse has a hidden
         real ``g_i`` in [-1/2, L - 1/2], ``W_i = s_{round(g_i)}``.  Patterns are presented in random
         order; a pattern with stability ``sigma (x.W + b) <= kappa + theta_m`` moves every hidden
         variable by ``eta sigma x_mu,i * sqrt(N)`` (towards larger states when that raises the
         stability; for 0/1 inputs only active inputs move), with probability ``p_s`` every
         ``g_i`` also moves by ``eta_r`` towards the centre of its current bin (consolidation, the
         reinforcement ``h <- h + 2 W`` of binary CP+R).
``edmc`` entropy-driven Monte Carlo (zero temperature): a reference W~ moves by single-synapse steps
         proposed where the BP marginal disagrees with it; a move is kept when the BP local free
         entropy ``phi(gamma; W~)`` does not decrease; gamma grows (scoping).  Slow: O(BP) per move.
``sa``   simulated annealing on ``E = sum_mu relu(kappa + eps - stability_mu)`` (eps = 1/scale, so a
         tie costs), single-synapse moves to a random other state, geometric cooling from T0 to T1
         over whichever of max_iter / max_time binds first.

Budget conventions: one iteration = one BP sweep (rbp, fbp), one sweep over the patterns (cpr), one
sweep of N proposals (sa), ``moves_per_iter`` proposals (edmc).  ``progress(iteration, best_errors)``
is called once per iteration when given.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .bp import PerceptronBP
from .distances import site_distance_table
from .instances import Instance

__all__ = ["SolveResult", "solve", "SOLVERS", "rbp", "fbp", "cpr", "edmc", "sa"]


@dataclass
class SolveResult:
    W: np.ndarray
    solved: bool
    errors: int
    iterations: int
    elapsed: float
    message: str = ""
    algorithm: str = ""


class _Clock:
    def __init__(self, max_time):
        self.t0 = time.perf_counter()
        self.max_time = max_time

    def elapsed(self):
        return time.perf_counter() - self.t0

    def out(self):
        return self.max_time is not None and self.elapsed() > self.max_time


class _Best:
    def __init__(self, inst):
        self.inst = inst
        self.W = None
        self.errors = inst.M + 1

    def offer(self, W) -> int:
        e = self.inst.n_errors(W)
        if e < self.errors:
            self.errors, self.W = e, np.array(W, dtype=np.float64)
        return e


def _finish(inst, best, it, clock, name, msg):
    W = best.W if best.W is not None else np.full(inst.N, inst.states.array[0])
    errors = inst.n_errors(W)
    if errors == 0:
        msg = f"solution found after {it} iterations"
    return SolveResult(W=W, solved=errors == 0, errors=errors, iterations=it, elapsed=clock.elapsed(),
                       message=msg, algorithm=name)


# ---------------------------------------------------------------------------------------------


def rbp(inst: Instance, seed: int = 0, max_iter: int = 1000, max_time: float | None = None,
        damping: float = 0.2, r0: float = 0.0, dr: float = 0.03, progress=None, form: str = "full") -> SolveResult:
    """Reinforced BP (see module docstring).  Defaults (damping 0.2, dr 0.03) are tuned for speed at
    N ~ 1000; a slower reinforcement (smaller dr, e.g. 0.01) reaches larger alpha at more sweeps.
    ``form="relaxed"``: the same reinforcement on the relaxed BP (:mod:`numerics.simulate.relaxed_bp`,
    +-1 inputs; two matrix-vector products a sweep instead of messages on every edge), where ``seed``
    plays no part (its start is the alpha = 0 fixed point, not random messages)."""
    if form not in ("full", "relaxed"):
        raise ValueError(f"form: 'full' or 'relaxed', got {form!r}")
    clock = _Clock(max_time)
    if form == "relaxed":
        from .relaxed_bp import RelaxedBP

        bp = RelaxedBP(inst)
    else:
        bp = PerceptronBP(inst, seed=seed, init_noise=1.0)
    best = _Best(inst)
    it = 0
    for it in range(1, max_iter + 1):
        bp.sweep(damping)
        h = bp.total_field()
        if best.offer(bp.s[np.argmax(h, axis=1)]) == 0:
            break
        r = 1.0 - (1.0 - r0) * (1.0 - dr) ** it
        bp.ext = r * (h - h.max(axis=1, keepdims=True) - bp.log_prior[None, :])
        if progress is not None:
            progress(it, best.errors)
        if clock.out():
            break
    return _finish(inst, best, it, clock, "rbp", f"{best.errors} errors left after {it} sweeps")


def fbp(inst: Instance, seed: int = 0, max_iter: int = 1000, max_time: float | None = None,
        damping: float = 0.5, y0: float = 1.0, dy: float = 0.05, gamma0: float = 0.1,
        dgamma: float = 0.02, distance: str = "squared", progress=None) -> SolveResult:
    """Focusing BP (see module docstring).  Schedules: ``y_t = y0 + dy t``, ``gamma_t = gamma0 + dgamma t``
    (gamma in units of the one-step distance of the state set)."""
    clock = _Clock(max_time)
    bp = PerceptronBP(inst, seed=seed, init_noise=1.0)
    s = bp.s
    Wt = site_distance_table(inst.states, s, distance)  # L x L: dist(s_a, s_b) (row = W value)
    step = inst.states.step_distance if distance == "squared" else 1.0
    best = _Best(inst)
    it = 0
    for it in range(1, max_iter + 1):
        bp.sweep(damping)
        y = y0 + dy * it
        g = (gamma0 + dgamma * it) / step
        h = bp.total_field()
        if best.offer(s[np.argmax(h, axis=1)]) == 0:
            break
        hm = h - bp.ext  # marginal without the focusing field
        logm = hm - np.logaddexp.reduce(hm, axis=1, keepdims=True)  # N x L
        coup = -g * Wt  # coup[a, b] = gamma w(s_a, s_b)
        K = np.logaddexp.reduce(logm[:, :, None] + coup[None, :, :], axis=1)  # N x L(centre)
        centre = (y - 1.0) * K
        if best.offer(s[np.argmax(centre, axis=1)]) == 0:
            break
        ext = np.logaddexp.reduce(coup[None, :, :] + centre[:, None, :], axis=2)  # N x L(replica)
        bp.ext = ext - ext.max(axis=1, keepdims=True)
        if progress is not None:
            progress(it, best.errors)
        if clock.out():
            break
    return _finish(inst, best, it, clock, "fbp", f"{best.errors} errors left after {it} sweeps")


def cpr(inst: Instance, seed: int = 0, max_iter: int = 5000, max_time: float | None = None,
        eta: float = 0.03, theta_m: float = 0.3, p_s: float = 0.1, eta_r: float = 0.05,
        progress=None) -> SolveResult:
    """Clipped perceptron with reinforcement for L states (see module docstring); an iteration is one
    sweep over the patterns.  ``eta`` is in units of bins per (+-1 input x unit of sqrt(N)-scaled field),
    theta_m is the learning margin (stabilities are in the normalised units of the storage rule)."""
    clock = _Clock(max_time)
    rng = np.random.default_rng(seed)
    x, b = inst.linear_form()
    sigma = inst.labels.astype(np.float64)
    s = inst.states.array
    L, N, M = inst.states.L, inst.N, inst.M
    g = rng.uniform(-0.5, L - 0.5, size=N)
    k = np.clip(np.rint(g), 0, L - 1).astype(np.int64)
    W = s[k]
    field_ = x @ W + b
    best = _Best(inst)
    xs = x * np.sqrt(N)  # O(1) inputs
    it = 0
    for it in range(1, max_iter + 1):
        for mu in rng.permutation(M):
            stab = sigma[mu] * field_[mu]
            if stab <= inst.kappa + theta_m:
                g += eta * sigma[mu] * xs[mu]
                if rng.random() < p_s:
                    g += eta_r * (np.rint(g) - g)
                np.clip(g, -0.5, L - 0.5, out=g)
                knew = np.clip(np.rint(g), 0, L - 1).astype(np.int64)
                ch = np.nonzero(knew != k)[0]
                if ch.size:
                    field_ += x[:, ch] @ (s[knew[ch]] - s[k[ch]])
                    k[ch] = knew[ch]
        W = s[k]
        if best.offer(W) == 0:
            break
        field_ = x @ W + b  # resynchronise rounding
        if progress is not None:
            progress(it, best.errors)
        if clock.out():
            break
    return _finish(inst, best, it, clock, "cpr", f"{best.errors} errors left after {it} sweeps")


def sa(inst: Instance, seed: int = 0, max_iter: int = 3000, max_time: float | None = None,
       T0: float = 1.0, T1: float = 0.005, progress=None) -> SolveResult:
    """Simulated annealing; an iteration is one sweep of N single-synapse proposals.  Temperature
    ``T = T0 (T1/T0)^frac`` with ``frac`` the larger of the fractions of max_iter and max_time used, so
    the schedule completes whichever limit binds (energy units: stabilities, see module docstring)."""
    clock = _Clock(max_time)
    rng = np.random.default_rng(seed)
    x, b = inst.linear_form()
    xs = x * inst.labels[:, None]
    s = inst.states.array
    L, N = inst.states.L, inst.N
    k = rng.integers(0, L, size=N)
    stab = xs @ s[k] + inst.labels * b
    eps = 1.0 / inst.scale
    thr = inst.kappa + eps

    def energy(st):
        return np.maximum(thr - st, 0.0).sum()

    E = energy(stab)
    best = _Best(inst)
    best.offer(s[k])
    it = 0
    for it in range(1, max_iter + 1):
        frac = (it - 1) / max(1, max_iter - 1)
        if max_time is not None:
            frac = max(frac, clock.elapsed() / max_time)
        T = T0 * (T1 / T0) ** min(1.0, frac)
        sites = rng.integers(0, N, size=N)
        shifts = rng.integers(1, L, size=N)
        logu = np.log(rng.random(N))
        for j in range(N):
            i = sites[j]
            knew = (k[i] + shifts[j]) % L
            new = stab + xs[:, i] * (s[knew] - s[k[i]])
            En = energy(new)
            if En <= E or logu[j] < -(En - E) / T:
                k[i], stab, E = knew, new, En
        if best.offer(s[k]) == 0:
            break
        if progress is not None:
            progress(it, best.errors)
        if clock.out():
            break
        stab = xs @ s[k] + inst.labels * b  # resynchronise accumulated rounding
        E = energy(stab)
    return _finish(inst, best, it, clock, "sa", f"{best.errors} errors left after {it} sweeps")


def edmc(inst: Instance, seed: int = 0, max_iter: int = 200, max_time: float | None = None,
         gamma0: float = 0.5, dgamma: float = 0.05, bp_iter: int = 30, damping: float = 0.5,
         distance: str = "squared", moves_per_iter: int = 10, progress=None) -> SolveResult:
    """Zero-temperature entropy-driven Monte Carlo (see module docstring).  An iteration is
    ``moves_per_iter`` proposals; gamma (in one-step units) grows by dgamma per iteration."""
    clock = _Clock(max_time)
    rng = np.random.default_rng(seed)
    s = inst.states.array
    step = inst.states.step_distance if distance == "squared" else 1.0
    # start from the BP marginal argmax at gamma = 0
    bp = PerceptronBP(inst, distance=distance)
    for _ in range(bp_iter):
        bp.sweep(damping)
    ref = bp.argmax_configuration()
    best = _Best(inst)
    best.offer(ref)

    def phi_of(reference, msgs):
        b2 = PerceptronBP(inst, reference, gamma=g, distance=distance)
        b2.u = msgs.copy()
        for _ in range(bp_iter):
            if b2.sweep(damping) < 1e-5:
                break
        return b2.free_entropy(), b2

    it = 0
    g = gamma0 / step
    cur_phi, cur = phi_of(ref, bp.u)
    for it in range(1, max_iter + 1):
        g = (gamma0 + dgamma * it) / step
        cur_phi, cur = phi_of(ref, cur.u)
        for _ in range(moves_per_iter):
            if best.offer(ref) == 0 or best.offer(cur.argmax_configuration()) == 0 or clock.out():
                break
            p = cur.marginals()
            kref = np.searchsorted(s, ref)
            disagree = 1.0 - p[np.arange(inst.N), kref]
            w = disagree + 1e-3
            i = rng.choice(inst.N, p=w / w.sum())
            probs = p[i].copy()
            probs[kref[i]] = 0.0
            if probs.sum() <= 0:
                probs = np.ones(len(s))
                probs[kref[i]] = 0
            kn = rng.choice(len(s), p=probs / probs.sum())
            trial = ref.copy()
            trial[i] = s[kn]
            new_phi, new = phi_of(trial, cur.u)
            if new_phi >= cur_phi:
                ref, cur_phi, cur = trial, new_phi, new
        if best.errors == 0:
            break
        if progress is not None:
            progress(it, best.errors)
        if clock.out():
            break
    return _finish(inst, best, it, clock, "edmc", f"{best.errors} errors left after {it} iterations")


SOLVERS = {"rbp": rbp, "fbp": fbp, "cpr": cpr, "edmc": edmc, "sa": sa}


def solve(inst: Instance, algorithm: str, seed: int = 0, max_iter: int | None = None,
          max_time: float | None = None, progress=None, **kwargs) -> SolveResult:
    """Run one solver by name; ``max_iter=None`` uses the solver's default."""
    if algorithm not in SOLVERS:
        raise ValueError(f"algorithm: must be one of {', '.join(SOLVERS)}, got {algorithm!r}")
    if max_iter is not None:
        kwargs["max_iter"] = int(max_iter)
    return SOLVERS[algorithm](inst, seed=seed, max_time=max_time, progress=progress, **kwargs)
