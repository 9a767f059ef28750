"""Replicated-system BP benchmark: the time of one sweep of the joint BP (one factor per pattern over the
y replicas, numerics.simulate.replicated) at N = 4000, alpha = 0.6, binary, y = 3, gamma = 0.8.

``python -m benchmarks replicated_bp [--N N] [--alpha A] [--y Y] [--gamma G] [--sweeps K] [--states S]``

Prints the median and the minimum over K timed sweeps (after 5 warm-up sweeps), split into the two
matrix-product sides and the pattern-factor quadrature."""
from __future__ import annotations

import argparse
import statistics
import time


def main(argv=None) -> int:
    from numerics.simulate.instances import generate
    from numerics.simulate.replicated import ReplicatedBP

    p = argparse.ArgumentParser(prog="python -m benchmarks replicated_bp", description=__doc__.splitlines()[0])
    p.add_argument("--N", type=int, default=4000)
    p.add_argument("--alpha", type=float, default=0.6)
    p.add_argument("--y", type=int, default=3)
    p.add_argument("--gamma", type=float, default=0.8)
    p.add_argument("--sweeps", type=int, default=10)
    p.add_argument("--states", default="binary")
    a = p.parse_args(argv)
    inst = generate(a.states, a.N, a.alpha, seed=0)
    bp = ReplicatedBP(inst, a.y, a.gamma)
    for _ in range(5):
        bp.sweep(0.5)
    total, parts = [], {"synapse classes": [], "x @ (m, v, c)": [], "pattern quadrature": [], "x^T @ g": []}
    for _ in range(a.sweeps):
        t0 = time.perf_counter()
        bp.sweep(0.5)
        total.append(time.perf_counter() - t0)
        t = [time.perf_counter()]
        _, _, m, v, cov = bp.synapse_moments()
        t.append(time.perf_counter())
        fields = bp.pattern_fields(m, v, cov, bp.g)
        t.append(time.perf_counter())
        bp.pattern_outputs(*fields)
        t.append(time.perf_counter())
        bp.synapse_fields(m)
        t.append(time.perf_counter())
        for k, name in enumerate(parts):
            parts[name].append(t[k + 1] - t[k])
    print(f"# replicated BP sweep: {a.states}, N={a.N}, M={inst.M}, y={a.y}, gamma={a.gamma}, "
          f"{bp.cls.ref.size} classes per synapse, {a.sweeps} sweeps")
    print(f"sweep: median {1e3 * statistics.median(total):.1f} ms, min {1e3 * min(total):.1f} ms")
    for name, ts in parts.items():
        print(f"  {name:20s} median {1e3 * statistics.median(ts):.1f} ms")
    return 0
