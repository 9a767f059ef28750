"""Fast BP benchmark: one sweep of the relaxed BP (numerics.simulate.relaxed_bp) at N = 16000, alpha = 0.6,
binary, single precision, against the floor of one pass over the M x N pattern matrix; and the BP local
entropy around a reinforced-BP solution at N = 1005 by the relaxed and by the full BP (numerics.simulate.bp).

``python -m benchmarks fast_bp [--N N] [--alpha A] [--sweeps K] [--states S] [--small N]``

The floor is the time of ``P.sum()`` over the single-precision pattern matrix that a sweep multiplies twice
(once by m, once transposed by g): a sweep can not take less than two such passes.  The peer package named
in issue 25 (the C++ behind ``ReplicatedFocusingBeliefPropagation``) is not installed here, so the floor is
the reference.  Memory: the int8 patterns of the instance and their float32 copy (4 bytes per entry);
nothing else of size M x N."""
from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    from numerics.simulate import bp, instances, solvers
    from numerics.simulate.relaxed_bp import RelaxedBP, relaxed_local_entropy_sweep
    from theory.states import parse_states

    p = argparse.ArgumentParser(prog="python -m benchmarks fast_bp", description=__doc__.splitlines()[0])
    p.add_argument("--N", type=int, default=16000)
    p.add_argument("--alpha", type=float, default=0.6)
    p.add_argument("--sweeps", type=int, default=7)
    p.add_argument("--states", default="binary")
    p.add_argument("--small", type=int, default=1005, help="N of the relaxed-against-full local-entropy sweep")
    a = p.parse_args(argv)
    st = parse_states(a.states)

    inst = instances.generate(st, N=a.N, alpha=a.alpha, seed=0)
    r = RelaxedBP(inst, np.ones(a.N), gamma=0.5, dtype=np.float32)
    for _ in range(3):
        r.sweep(0.5)
    sweeps, floors = [], []
    for _ in range(a.sweeps):
        t0 = time.perf_counter()
        r.sweep(0.5)
        sweeps.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        r.P.sum()
        floors.append(time.perf_counter() - t0)
    sw, fl = statistics.median(sweeps), statistics.median(floors)
    print(f"relaxed BP, {st.name}, N = {a.N}, M = {inst.M}, float32: one sweep {sw:.3f} s (median of {a.sweeps}; "
          f"min {min(sweeps):.3f} s); one pass over the M x N matrix {fl:.3f} s; ratio {sw / fl:.2f} "
          f"(two passes is the floor); peak memory {_peak_mb():.0f} MB")

    small = instances.generate(st, N=a.small, alpha=a.alpha, seed=1000)
    sol = solvers.solve(small, "rbp", seed=0, max_time=60.0)
    if not sol.solved:
        print(f"N = {a.small}: reinforced BP found no solution; no local-entropy comparison")
        return 0
    t0 = time.perf_counter()
    rel = relaxed_local_entropy_sweep(small, sol.W)
    t_rel = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = bp.local_entropy_sweep(small, sol.W)
    t_full = time.perf_counter() - t0
    dF = max(abs(x.F - y.F) for x, y in zip(rel, full) if x.converged and y.converged)
    print(f"BP local entropy around a reinforced-BP solution, {st.name}, N = {a.small}, {len(rel)} couplings: "
          f"relaxed {t_rel:.2f} s, full {t_full:.2f} s (ratio {t_full / t_rel:.0f}); largest |F_relaxed - F_full| "
          f"{dF:.1e}; converged {sum(x.converged for x in rel)}/{len(rel)} and {sum(y.converged for y in full)}/"
          f"{len(full)}")
    return 0
