"""Exhaustive enumeration of the solutions of a small instance (physics.md §4).

Configurations are coded in mixed radix: synapse i takes state index ``k_i`` (``s_{k_i}``, states
sorted increasingly) and ``code = sum_i k_i L^(N-1-i)`` (synapse 0 is the most significant digit).

Algorithm: the synapses are split into a *high* block (the first ``N - b``) and a *low* block (the last
``b``, ``L^b`` of the order of 10^4-10^5).  The raw fields of all low-block configurations,
``A = patterns[:, low] @ V_low^T`` (M x L^b), are computed once by a matmul; the high-block configurations
are processed in chunks, their fields ``patterns[:, high] @ V_high^T`` by another matmul, and a
(high, low) pair stores pattern mu iff ``labels[mu] * (h_high + A_low) > T[mu]``
(:meth:`Instance.raw_thresholds`), tested pattern by pattern on a boolean mask.  When the state values
are integer multiples of ``1/q`` for a small integer q (every preset), the fields are computed in
int32 arithmetic and ties (a field exactly equal to the threshold) are decided exactly: the inequality is
strict, a tie is not stored.

Counts use the counting measure (prior weights are ignored).  Distances are those of
:mod:`numerics.simulate.distances`; ``counts[j]`` is the exact number of solutions at distance
``distances[j]`` from the reference, ``totals[j]`` the number of all configurations at that distance
(the alpha = 0 count), and the exact finite-N local entropy is ``log(counts) / N``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .distances import check_distance, site_distance_table
from .instances import TIE_TOL, Instance

__all__ = ["EnumerationResult", "enumerate_solutions", "decode", "distance_histogram",
           "sample_solutions", "densest_solution", "densest_by_neighbours", "DensestResult",
           "integer_scale"]

_MAX_CONFIGS = 2 ** 31


def integer_scale(values, qmax: int = 720) -> int | None:
    """Smallest integer q <= qmax with all ``q * values`` integers (within 1e-9), else None."""
    v = np.asarray(values, dtype=np.float64)
    for q in range(1, qmax + 1):
        if np.all(np.abs(v * q - np.round(v * q)) < 1e-9):
            return q
    return None


def decode(codes, N: int, L: int) -> np.ndarray:
    """State indices (n x N, int8) of mixed-radix codes."""
    codes = np.asarray(codes, dtype=np.int64).copy()
    out = np.empty((codes.shape[0], N), dtype=np.int8)
    for i in range(N - 1, -1, -1):
        out[:, i] = codes % L
        codes //= L
    return out


def _all_configs(n: int, L: int) -> np.ndarray:
    return decode(np.arange(L ** n, dtype=np.int64), n, L)


@dataclass
class EnumerationResult:
    """All solutions of an instance (and, with a reference, their distance histogram)."""

    N: int
    L: int
    n_solutions: int
    codes: np.ndarray | None  # sorted int64 codes of all solutions (None when keep=False)
    distances: np.ndarray | None = None  # distinct distances d (per synapse) with a reference
    counts: np.ndarray | None = None  # solutions at each distance
    totals: np.ndarray | None = None  # all configurations at each distance (alpha = 0)
    elapsed: float = 0.0
    exact_ties: bool = True
    diagnostics: dict = field(default_factory=dict)

    def solutions(self, states) -> np.ndarray:
        """Solutions as state values (n x N, float64)."""
        if self.codes is None:
            raise ValueError("enumeration was run with keep=False: solutions not stored")
        return states.array[decode(self.codes, self.N, self.L)]

    def local_entropy(self) -> np.ndarray:
        """(1/N) log counts at each distance (-inf where there is none)."""
        with np.errstate(divide="ignore"):
            return np.log(self.counts.astype(np.float64)) / self.N


def _block_size(L: int, N: int, target: int = 2 ** 15) -> int:
    b = max(1, min(N, int(math.floor(math.log(target) / math.log(L)))))
    return b


def enumerate_solutions(inst: Instance, reference=None, distance: str = "squared", keep: bool = True,
                        progress=None) -> EnumerationResult:
    """Enumerate every configuration of ``inst`` and keep those storing all patterns.

    ``progress(done, total)`` is called after each chunk of high-block configurations."""
    t0 = time.perf_counter()
    N, L, M = inst.N, inst.states.L, inst.M
    if L ** N > _MAX_CONFIGS:
        raise ValueError(f"N: {L}^{N} configurations is too many to enumerate (limit 2^31)")
    vals = inst.states.array
    q = integer_scale(vals)
    T = inst.raw_thresholds()
    lab = inst.labels.astype(np.int64)
    if q is not None:
        V = np.round(vals * q).astype(np.int64)
        Tq = T * q
        near = np.abs(Tq - np.round(Tq)) <= TIE_TOL * q * np.maximum(1.0, np.abs(T))
        Tq = np.where(near, np.round(Tq), Tq)
        thr = np.floor(Tq).astype(np.int64)  # lab*field > Tq  <=>  lab*field > floor(Tq) for integers
        dtype = np.int32
        X = inst.patterns.astype(np.int64)
    else:
        V = vals
        thr = T
        dtype = np.float64
        X = inst.patterns.astype(np.float64)
    b = _block_size(L, N)
    nh = N - b
    low_idx = _all_configs(b, L)  # L^b x b
    A = (lab[:, None] * (X[:, nh:] @ V[low_idx].T)).astype(dtype)  # M x L^b (label-signed)
    n_high = L ** nh
    chunk = max(1, 2 ** 20 // (L ** b))
    if reference is not None:
        check_distance(distance)
        D = site_distance_table(inst.states, reference, distance)  # N x L
        d_low = D[np.arange(nh, N)[None, :], low_idx].sum(axis=1)  # L^b
    codes = []
    dists = []
    n_sol = 0
    for start in range(0, n_high, chunk):
        stop = min(n_high, start + chunk)
        hidx = decode(np.arange(start, stop, dtype=np.int64), nh, L) if nh > 0 else np.zeros((1, 0), np.int8)
        Hf = lab[:, None] * (X[:, :nh] @ V[hidx].T) if nh > 0 else np.zeros((M, 1), dtype=np.int64)
        C = (thr[:, None] - Hf).astype(dtype)  # need A[mu, low] > C[mu, high]
        mask = np.ones((stop - start, L ** b), dtype=bool)
        for mu in range(M):
            mask &= A[mu][None, :] > C[mu][:, None]
        hi, lo = np.nonzero(mask)
        n_sol += hi.size
        if hi.size:
            if keep:
                codes.append((hi.astype(np.int64) + start) * (L ** b) + lo)
            if reference is not None:
                d_high = D[np.arange(nh)[None, :], hidx[hi]].sum(axis=1) if nh > 0 else 0.0
                dists.append(d_high + d_low[lo])
        if progress is not None:
            progress(stop, n_high)
    res = EnumerationResult(N=N, L=L, n_solutions=int(n_sol),
                            codes=np.concatenate(codes) if (keep and codes) else
                            (np.zeros(0, np.int64) if keep else None),
                            exact_ties=q is not None)
    if reference is not None:
        dsol = np.concatenate(dists) if dists else np.zeros(0)
        res.distances, res.counts, res.totals = _histogram(dsol, D, N)
    res.elapsed = time.perf_counter() - t0
    res.diagnostics = {"block": b, "integer_scale": q, "configurations": L ** N}
    return res


def _key(x):
    return np.round(np.asarray(x, dtype=np.float64) * 1e9).astype(np.int64)


def _histogram(dsum: np.ndarray, D: np.ndarray, N: int):
    """Exact histogram of solution distances on the support of all configurations' distances."""
    # all configurations: convolve per-site distance distributions (exact python ints)
    tot = {0: 1}
    for i in range(D.shape[0]):
        new = {}
        for k in range(D.shape[1]):
            dk = int(_key(D[i, k]))
            for key, c in tot.items():
                new[key + dk] = new.get(key + dk, 0) + c
        tot = new
    # merge keys that differ by accumulated rounding only (< 2N units of 1e-9)
    merged_keys, merged_tot = [], []
    for k in sorted(tot):
        if merged_keys and k - merged_keys[-1] <= 2 * N + 2:
            merged_tot[-1] += tot[k]
        else:
            merged_keys.append(k)
            merged_tot.append(tot[k])
    keys = np.array(merged_keys, dtype=np.int64)
    totals = np.array(merged_tot, dtype=object)
    counts = np.zeros(keys.size, dtype=np.int64)
    if dsum.size:
        sk = _key(dsum)
        pos = np.searchsorted(keys, sk)
        pos = np.clip(pos, 0, keys.size - 1)
        left = np.clip(pos - 1, 0, keys.size - 1)
        pos = np.where(np.abs(keys[left] - sk) < np.abs(keys[pos] - sk), left, pos)
        counts = np.bincount(pos, minlength=keys.size).astype(np.int64)
    distances = keys.astype(np.float64) / 1e9 / N
    try:
        totals = totals.astype(np.int64)
    except OverflowError:
        totals = totals.astype(np.float64)
    return distances, counts, totals


def distance_histogram(solutions: np.ndarray, reference, states, distance: str = "squared"):
    """(distances, counts, totals) of the given solutions (values, n x N) around ``reference``."""
    D = site_distance_table(states, reference, distance)
    idx = np.searchsorted(states.array, solutions)
    dsum = D[np.arange(D.shape[0])[None, :], idx].sum(axis=1)
    return _histogram(dsum, D, D.shape[0])


def sample_solutions(result: EnumerationResult, states, n: int, seed: int) -> np.ndarray:
    """n solutions drawn uniformly (with replacement) among all solutions, as values (n x N)."""
    if result.codes is None or result.codes.size == 0:
        raise ValueError("instance has no solutions to sample from")
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, result.codes.size, size=n)
    return states.array[decode(result.codes[pick], result.N, result.L)]


@dataclass
class DensestResult:
    W: np.ndarray  # the densest solution (values)
    index: int  # its position among the solutions
    radius: float  # distance defining the neighbourhood
    n_within: int  # solutions within radius (itself included)
    mean_within: float  # average over all solutions of the same count


def densest_solution(solutions: np.ndarray, states, radius: float | None = None,
                     distance: str = "squared", max_solutions: int = 20000) -> DensestResult:
    """The solution with the most solutions within ``radius`` of it (itself included).

    Definition: for each solution a, ``n_a(r) = #{b : d(a, b) <= r}``.  The densest solution maximises
    ``n_a(radius)``; ties are broken by ``n_a`` at the next larger distances in turn (lexicographic on
    the cumulative profile), then by the lowest index.  Default radius: the smallest nonzero distance
    between two configurations (one synapse moved by one step), i.e. the largest number of neighbours.
    Quadratic in time in the number of solutions (refuses more than ``max_solutions``); memory is
    one block of rows of the pairwise distances at a time (about 32 MB, a few times that with its
    temporaries)."""
    check_distance(distance)
    S = np.asarray(solutions, dtype=np.float64)
    n, N = S.shape
    if n == 0:
        raise ValueError("no solutions: the densest solution is undefined")
    if n > max_solutions:
        raise ValueError(f"{n} solutions: too many for the quadratic densest-solution search "
                         f"(max_solutions={max_solutions})")
    vals = states.array
    if radius is None:
        steps = np.diff(vals)
        radius = (float(np.min(steps)) ** 2 / states.spread ** 2 if distance == "squared" else 1.0) / N
    # pairwise distances, in chunks, as integer keys
    if distance == "squared":
        q2 = (S ** 2).sum(axis=1)
    else:
        idx = np.searchsorted(vals, S)
        onehot = (idx[:, :, None] == np.arange(states.L)[None, None, :]).reshape(n, -1).astype(np.float64)
    def key_rows():
        """Row blocks of the n x n matrix of distance keys, never held whole (n = 20000: 3.2 GB)."""
        rows = max(1, 2 ** 22 // max(n, 1))  # about 32 MB of float64 per block (a block and its
        # temporaries: 2 ** 24 made symmetric(3), N = 15, 9374 solutions, a 628 MB process)
        for a0 in range(0, n, rows):
            a1 = min(n, a0 + rows)
            if distance == "squared":
                dd = (q2[a0:a1, None] + q2[None, :] - 2 * S[a0:a1] @ S.T) / (N * states.spread ** 2)
            else:
                dd = (N - onehot[a0:a1] @ onehot.T) / N
            yield a0, a1, _key(dd)

    # two passes: the distance levels present, then the cumulative profile at radius and the
    # following levels (memory O(block), not O(n²))
    levels = set()
    for _, _, K in key_rows():
        levels.update(int(x) for x in np.unique(K))
    rkey = int(_key(radius + 1e-12))
    prof_levels = [rkey] + sorted(x for x in levels if x > rkey)[:8]
    prof = np.empty((n, len(prof_levels)), dtype=np.int64)
    for a0, a1, K in key_rows():
        for j, lv in enumerate(prof_levels):
            prof[a0:a1, j] = (K <= lv).sum(axis=1)
    order = np.lexsort(tuple(-prof[:, j] for j in range(prof.shape[1] - 1, -1, -1)))
    best = int(order[0])
    return DensestResult(W=S[best].copy(), index=best, radius=float(radius), n_within=int(prof[best, 0]),
                         mean_within=float(prof[:, 0].mean()))


def densest_by_neighbours(result: EnumerationResult, states, distance: str = "squared") -> DensestResult:
    """Fast densest solution at the default radius (one elementary move), linear in the number of
    solutions: for every solution, count the single-synapse moves of minimal distance (adjacent states
    for ``squared``, any other state for ``hamming``) that land on a solution, by binary search in the
    sorted codes.  Ties: lowest code (no lexicographic tie-break, unlike :func:`densest_solution`)."""
    check_distance(distance)
    if result.codes is None or result.codes.size == 0:
        raise ValueError("no solutions: the densest solution is undefined")
    codes = np.sort(result.codes)
    N, L = result.N, result.L
    vals = states.array
    step = float(np.min(np.diff(vals)))
    if distance == "squared":
        allowed = np.isclose(np.abs(vals[:, None] - vals[None, :]), step)
        radius = states.step_distance / N
    else:
        allowed = ~np.eye(L, dtype=bool)
        radius = 1.0 / N
    digits = decode(codes, N, L)
    count = np.ones(codes.size, dtype=np.int64)
    for i in range(N):
        w = L ** (N - 1 - i)
        ki = digits[:, i].astype(np.int64)
        for k2 in range(L):
            rows = np.nonzero(allowed[ki, k2])[0]
            if rows.size == 0:
                continue
            cand = codes[rows] + (k2 - ki[rows]) * w
            pos = np.clip(np.searchsorted(codes, cand), 0, codes.size - 1)
            count[rows] += codes[pos] == cand
    best = int(np.argmax(count))
    return DensestResult(W=vals[digits[best]], index=best, radius=float(radius), n_within=int(count[best]),
                         mean_within=float(count.mean()))
