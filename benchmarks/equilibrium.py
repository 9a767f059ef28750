"""α_c table of symmetric(L), L = 2..15: time on one core (goal: < 10 s for the table, α_c to 1e-6).

``python -m benchmarks equilibrium [--lmax 15]``.  The one-off symbolic derivation and compilation
is timed separately from the table.  α_c accuracy is judged by the bracket width and by
|s(α_c)| / |ds/dα| (the Newton distance to the root).
"""
import argparse
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import time  # noqa: E402
import warnings  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks equilibrium")
    ap.add_argument("--lmax", type=int, default=15)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)
    from numerics.problems.equilibrium import capacity, derived

    t0 = time.perf_counter()
    derived()
    t_derive = time.perf_counter() - t0
    print(f"symbolic derivation + compilation: {t_derive:.2f} s (once per process)")
    print(f"{'L':>3} {'alpha_c':>12} {'|s|/|ds/da|':>12} {'time[s]':>8}")
    t_all = time.perf_counter()
    worst = 0.0
    for L in range(2, args.lmax + 1):
        t = time.perf_counter()
        c = capacity(f"symmetric:{L}")
        dt = time.perf_counter() - t
        err = abs(c.entropy / c.saddle.parts["G_E"]) if c.saddle else float("nan")
        worst = max(worst, err)
        print(f"{L:>3} {c.alpha_c:>12.8f} {err:>12.1e} {dt:>8.2f}" + ("" if c.converged else "  NOT CONVERGED"))
    total = time.perf_counter() - t_all
    print(f"table: {total:.2f} s (goal < 10 s); worst alpha_c error estimate {worst:.1e} (goal 1e-6)")
    return 0
