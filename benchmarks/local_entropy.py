"""Local-entropy timings: ``python -m benchmarks local_entropy [--n 40] [--y 10] [--alpha-u] [--ladder] [--only WHAT]``.

Goals from the issue: one y → ∞ curve of 40 distances at fixed α in < 20 s on one core, and binary
α_U to ±0.005 in < 5 minutes.  What is timed here (and printed honestly):

* the one-off symbolic derivations (Franz–Parisi, finite y in both decouplings, y → ∞);
* a Franz–Parisi curve of n distances (binary, α = 0.5);
* a finite-y curve of n distances (binary, α = 0.5, y = --y) by continuation in d;
* the y → ∞ curve of n distances (binary, α = 0.5, d = 0.01 … 0.08, the small-d window where the
  dense regions show), cold start included;
* with --cold (or ``--only cold``), cold y → ∞ points (empty memo, one call each: binary α = 0.5 at
  d = 0.001 … 0.1, binary α = 0.3, symmetric(3) α = 0.8, excitatory(3) α = 0.55, symmetric(5) α = 1.2,
  excitatory(4) α = 0.6, and two points past the end of their branch, which must fail within 10 s),
  then the y → ∞ curve of n distances from d = 0.001 to the end of the branch (binary α = 0.5; the
  end is the largest d a cold call past it reports), each line with the machine's load average;
* ``--only cold_finite_y``: cold finite-y points, one call each (solve_local_entropy, no init), at
  small d, y near 1 and large y, each with S_I or the reason it failed;
* ``--only cold_grid [--sets S ...] [--jobs J]``: a new user's cold CLI points, each a fresh process
  (``fewbits local-entropy --y inf --json``, interpreter start included, no path store): every set at
  0.1, 0.4 and 0.7 α_c and d = 0.001, 0.002, 0.005, with the time, the verdict and a summary per set;
  ``--verb franz-parisi`` the same grid of cold Franz–Parisi points (``fewbits franz-parisi --json``);
* with --alpha-u, binary α_U on y → ∞ curves to ±0.005 (numerics.analyses.alpha_u defaults);
* with --ladder, a finite-y ladder y = 3, 4.5, 6.75, 10, 15 (numerics.problems.extrapolation.y_ladder) at one
  of the issue's second check points, excitatory(4), α = 0.65, d = 0.02: the cost that keeps those
  checks out of the test suite (sweeps and seconds per rung).

``--only large_y`` times the y → ∞ derivation and curve alone (``--only fp``, ``--only finite_y``
likewise; ``--only alpha_u`` the α_U search alone, ``--only ladder`` the ladder alone).
"""
import argparse
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks local_entropy")
    ap.add_argument("--n", type=int, default=40, help="number of distances per curve")
    ap.add_argument("--y", type=float, default=10.0)
    ap.add_argument("--alpha-u", action="store_true")
    ap.add_argument("--ladder", action="store_true", help="time a finite-y ladder y = 3 ... 15 (about 2 minutes)")
    ap.add_argument("--cold", action="store_true", help="cold y -> inf points and the curve from d = 0.001")
    ap.add_argument("--only", choices=["fp", "finite_y", "large_y", "cold", "cold_finite_y", "cold_grid", "alpha_u",
                                       "ladder"], help="run one part alone (its derivation included)")
    ap.add_argument("--sets", nargs="+", default=list(GRID_SETS), help="state sets of --only cold_grid")
    ap.add_argument("--jobs", type=int, default=1, help="processes at a time for --only cold_grid")
    ap.add_argument("--verb", choices=["local-entropy", "franz-parisi"], default="local-entropy",
                    help="the command of --only cold_grid: y -> inf points (local-entropy) or Franz-Parisi points")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)
    from numerics.problems.franz_parisi import derived_fp, franz_parisi_curve
    from numerics.problems.large_y import derived_large_y, large_y_curve
    from numerics.problems.local_entropy import derived_ld, local_entropy_curve

    def runs(part):
        return args.only is None or args.only == part

    for part, name, fn in [("fp", "Franz-Parisi", lambda: derived_fp("squared")),
                           ("finite_y", "finite y, cholesky", lambda: derived_ld("solution", "squared", "cholesky")),
                           ("finite_y", "finite y, heat kernel",
                            lambda: derived_ld("solution", "squared", "heat_kernel")),
                           ("large_y", "y -> inf", lambda: derived_large_y("squared"))]:
        needed = (part == "large_y" and args.only in ("alpha_u", "cold")) or (part == "finite_y" and args.only == "ladder")
        if runs(part) or needed:
            t = time.perf_counter()
            fn()
            print(f"derivation + compilation, {name}: {time.perf_counter() - t:.1f} s")
    ds = np.linspace(0.02, 0.3, args.n)
    if runs("fp"):
        t = time.perf_counter()
        c = franz_parisi_curve("binary", 0.5, ds)
        print(f"Franz-Parisi curve, binary alpha=0.5, {args.n} distances: {time.perf_counter() - t:.1f} s, "
              f"{int(c.converged.sum())}/{args.n} converged")
    if runs("finite_y"):
        t = time.perf_counter()
        c = local_entropy_curve("binary", 0.5, args.y, ds)
        print(f"local-entropy curve, binary alpha=0.5, y={args.y:g}, {args.n} distances: "
              f"{time.perf_counter() - t:.1f} s, {int(c.converged.sum())}/{args.n} converged")
    if runs("large_y"):
        t = time.perf_counter()
        c = large_y_curve("binary", 0.5, np.linspace(0.01, 0.08, args.n))
        print(f"y -> inf curve, binary alpha=0.5, {args.n} distances in [0.01, 0.08]: "
              f"{time.perf_counter() - t:.1f} s, {int(c.converged.sum())}/{args.n} converged (goal: < 20 s for 40)")
    if args.cold or args.only == "cold":
        _cold(args.n)
    if args.only == "cold_finite_y":
        _cold_finite_y()
    if args.only == "cold_grid":
        _cold_grid(args.sets, args.jobs, args.verb)
    if args.alpha_u or args.only == "alpha_u":
        from numerics.analyses.alpha_u import alpha_u

        t = time.perf_counter()
        r = alpha_u("binary", xtol=0.005)
        print(f"alpha_U binary (y -> inf): {r.alpha_U:.4f} in [{r.interval[0]:.4f}, {r.interval[1]:.4f}] "
              f"({r.message}); {time.perf_counter() - t:.1f} s (goal < 300 s)")
    if args.ladder or args.only == "ladder":
        from numerics.problems.extrapolation import y_ladder

        ys = (3.0, 4.5, 6.75, 10.0, 15.0)
        t = time.perf_counter()
        ladder = y_ladder("excitatory:4", 0.65, 0.02, ys)
        rungs = ", ".join(f"y={p.y:g}: S_I={p.S_I:.5f} ({p.iterations} sweeps"
                          f"{'' if p.converged else ', NOT converged'})" for p in ladder)
        print(f"finite-y ladder, excitatory(4) alpha=0.65 d=0.02: {time.perf_counter() - t:.1f} s; {rungs}")
    return 0


COLD_POINTS = [("binary", 0.5, d) for d in (0.001, 0.002, 0.005, 0.01, 0.02, 0.1)] + [
    ("binary", 0.3, 0.02), ("binary", 0.3, 0.05), ("symmetric:3", 0.8, 0.005), ("symmetric:3", 0.8, 0.05),
    ("symmetric:3", 0.8, 0.002), ("excitatory:3", 0.55, 0.005), ("excitatory:3", 0.55, 0.001),
    ("excitatory:3", 0.55, 0.05), ("symmetric:5", 1.2, 0.02),
    ("excitatory:4", 0.6, 0.02), ("binary", 0.5, 0.4), ("symmetric:3", 0.8, 0.3),
    # small alpha at small d (delta q ~ exp(c/d) with c larger the smaller alpha; sets of three values)
    ("binary", 0.3, 0.002), ("binary", 0.1, 0.003), ("binary", 0.1, 0.001), ("binary", 0.7, 0.005),
    ("symmetric:3", 0.5, 0.002), ("symmetric:3", 0.2, 0.001), ("excitatory:3", 0.3, 0.002)]


def _cold(n: int) -> None:
    """Cold y → ∞ points (each with an empty memo) and the binary α = 0.5 curve from d = 0.001 to
    the end of its branch, with the load average before each."""
    from numerics.problems.alpha_zero import alpha0_curve
    from numerics.problems.large_y import large_y_curve, solve_large_y
    from numerics.problems.large_y_path import MEMO

    solve_large_y("binary", 0.5, 0.1)  # lazy compilation of the evaluators, not timed
    for states, alpha, d in COLD_POINTS:
        MEMO.clear()
        load = os.getloadavg()[0]
        t = time.perf_counter()
        p = solve_large_y(states, alpha, d)
        dt = time.perf_counter() - t
        a0 = float(alpha0_curve(states, [d], reference="best")[0])
        extra = (f"S_I = {p.S_I:.12g} (alpha = 0 curve - S_I = {a0 - p.S_I:.2g}), residual {p.residual:.2g}"
                 if p.converged else f"NOT converged; largest converged d = {p.largest_converged_d:.4g}")
        print(f"cold y -> inf, {states} alpha={alpha:g} d={d:g}: {dt:.1f} s (load {load:.1f}); {extra}")
    MEMO.clear()
    end = solve_large_y("binary", 0.5, 0.4).largest_converged_d  # the branch end (timed above)
    MEMO.clear()  # the curve from scratch: no point of that call's path reused
    load = os.getloadavg()[0]
    t = time.perf_counter()
    c = large_y_curve("binary", 0.5, np.geomspace(0.001, end, n))
    bad = [f"{p.d:.4g}" for p in c.points if not p.converged]
    print(f"y -> inf curve, binary alpha=0.5, {n} distances from 0.001 to the branch end {end:.4g} (empty memo): "
          f"{time.perf_counter() - t:.1f} s (load {load:.1f}), {int(c.converged.sum())}/{n} converged"
          + (f" (not: {', '.join(bad)})" if bad else ""))


GRID_SETS = ("binary", "symmetric:3", "excitatory:3", "symmetric:5", "excitatory:5", "symmetric:8")
GRID_FRACTIONS = (0.1, 0.4, 0.7)  # of alpha_c
GRID_DS = (0.001, 0.002, 0.005)


def _cold_grid(sets, jobs: int, verb: str = "local-entropy") -> None:
    """Cold CLI points, each in a fresh process (a new user's first call: interpreter start, imports and
    the derived code from the disk cache included; ``FEWBITS_PATH_CACHE=0``, so no earlier path helps):
    ``fewbits local-entropy --y inf`` or, with ``verb="franz-parisi"``, ``fewbits franz-parisi``."""
    import json
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from numerics.problems.equilibrium import capacity

    cases = [(S, round(f * capacity(S).alpha_c, 4), d) for S in sets for f in GRID_FRACTIONS for d in GRID_DS]
    env = dict(os.environ, FEWBITS_PATH_CACHE="0")
    cmd = [sys.executable, "-c", "import sys; from numerics.cli import main; sys.exit(main())"]
    y_inf = ["--y", "inf"] if verb == "local-entropy" else []
    subprocess.run(cmd + [verb, "--states", "binary", "--alpha", "0.5", "--d", "0.1"] + y_inf,
                   capture_output=True, env=env)  # the derived code into the disk cache, not timed

    def run(case):
        S, a, d = case
        t = time.perf_counter()
        r = subprocess.run(cmd + [verb, "--states", S, "--alpha", str(a), "--d", str(d), "--json"] + y_inf,
                           capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t
        try:
            ok = bool(json.loads(r.stdout)["points"][0]["converged"])
        except (ValueError, KeyError, IndexError):
            ok = False
        return S, a, d, dt, ok

    rows = []
    with ThreadPoolExecutor(max(1, jobs)) as ex:
        for S, a, d, dt, ok in ex.map(run, cases):
            rows.append((S, dt, ok))
            verdict = "converged" if ok else "NOT converged"
            print(f"cold CLI {verb} point, {S} alpha={a:g} d={d:g}: {dt:.1f} s, {verdict}", flush=True)
    for S in sets:
        ts = sorted(dt for s_, dt, _ in rows if s_ == S)
        n_ok = sum(ok for s_, _, ok in rows if s_ == S)
        print(f"{S}: {n_ok}/{len(ts)} converged, median {ts[len(ts) // 2]:.1f} s, max {ts[-1]:.1f} s")


COLD_FINITE_Y = [("binary", 0.5, d, 3.0) for d in (0.001, 0.002, 0.005, 0.01, 0.1)] + [
    ("symmetric:3", 0.8, 0.01, 3.0), ("symmetric:3", 0.8, 0.005, 3.0), ("excitatory:3", 0.55, 0.005, 3.0),
    ("binary", 0.6, 0.04, 0.5), ("binary", 0.6, 0.04, 1.001), ("binary", 0.6, 0.1, 10.0),
    ("binary", 0.6, 0.1, 40.0), ("binary", 0.5, 0.04, 1.02), ("binary", 0.6, 0.01, 0.5),
    ("symmetric:3", 0.5, 0.005, 0.5), ("binary", 0.6, 0.002, 0.7)]


def _cold_finite_y() -> None:
    """Cold finite-y points (heat-kernel decoupling, no init), with the load average before each."""
    from numerics.problems.local_entropy import solve_local_entropy

    solve_local_entropy("binary", 0.5, 0.1, 3.0)  # lazy compilation of the evaluators, not timed
    for states, alpha, d, y in COLD_FINITE_Y:
        load = os.getloadavg()[0]
        t = time.perf_counter()
        p = solve_local_entropy(states, alpha, d, y)
        dt = time.perf_counter() - t
        extra = (f"S_I = {p.S_I:.10g}, residual {p.residual:.2g}" if p.converged
                 else f"NOT converged: {p.message[:160]}")
        print(f"cold finite y, {states} alpha={alpha:g} d={d:g} y={y:g}: {dt:.1f} s (load {load:.1f}); {extra}",
              flush=True)
