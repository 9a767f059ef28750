"""Solver benchmark: success rate and median time versus alpha, per state set and solver.

``python -m benchmarks solvers [--quick] [--N N] [--seeds K] [--max-time T] [--budget B]
[--solvers rbp,fbp,...] [--states binary,symmetric:3,...] [--json FILE]``

For each state set and solver (in the order rbp, fbp, cpr, sa, edmc: the fast ones first, so a tight
budget cuts the slow baselines), alpha is swept upwards; once a solver solves none of the seeds at
some alpha, the larger alphas are skipped for it ("stopped").  Every run has a time limit (--max-time) and the
whole benchmark a budget (--budget seconds, shared equally by the state sets, unused time carried over;
cells not reached are marked "not run (budget)"; a started cell always finishes).  A run counts as a
success only when the returned W passes :meth:`Instance.n_errors` == 0.  Instance seeds are 0..K-1,
solver seed = instance seed.  Default: N = 1001, 2 seeds, 25 s per run, 14 min budget; --quick:
N = 301, 1 seed, 5 s per run, 2 alphas per set.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

ALPHAS = {
    "binary": [0.3, 0.5, 0.6, 0.7, 0.75],
    "symmetric:3": [0.3, 0.6, 0.8, 1.0],
    "excitatory:3": [0.2, 0.3, 0.4, 0.5],
}
QUICK_ALPHAS = {
    "binary": [0.5, 0.7],
    "symmetric:3": [0.6, 0.9],
    "excitatory:3": [0.3, 0.5],
}


def main(argv=None) -> int:
    from numerics.simulate.instances import generate
    from numerics.simulate.solvers import SOLVERS, solve

    p = argparse.ArgumentParser(prog="python -m benchmarks solvers", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--N", type=int, default=None)
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--max-time", type=float, default=None)
    p.add_argument("--budget", type=float, default=None, help="total seconds")
    p.add_argument("--solvers", default="rbp,fbp,cpr,sa,edmc")
    p.add_argument("--states", default=",".join(ALPHAS))
    p.add_argument("--json", default=None, help="also write the results to this file")
    a = p.parse_args(argv)
    N = a.N or (301 if a.quick else 1001)
    seeds = a.seeds or (1 if a.quick else 2)
    max_time = a.max_time or (5.0 if a.quick else 25.0)
    budget = a.budget or (150.0 if a.quick else 840.0)
    alphas = QUICK_ALPHAS if a.quick else ALPHAS
    solvers = [s for s in a.solvers.split(",") if s]
    for s in solvers:
        if s not in SOLVERS:
            print(f"unknown solver {s!r}; available: {', '.join(SOLVERS)}", file=sys.stderr)
            return 2
    sets = [s for s in a.states.split(",") if s]
    t_start = time.perf_counter()
    rows = []
    print(f"# solvers benchmark: N={N}, seeds={seeds}, max {max_time:g} s per run, budget {budget:g} s",
          flush=True)
    per_set = budget / max(1, len(sets))
    for j_set, S in enumerate(sets):
        alist = alphas.get(S, [0.3, 0.5])
        set_deadline = t_start + per_set * (j_set + 1)  # each state set gets its share of the budget
        for solver in solvers:
            stopped = False
            for alpha in alist:
                row = {"states": S, "solver": solver, "alpha": alpha, "N": N, "runs": 0, "solved": 0,
                       "times": [], "errors": [], "status": ""}
                if stopped:
                    row["status"] = "skipped (none solved at a lower alpha)"
                elif time.perf_counter() > set_deadline:
                    row["status"] = "not run (budget)"
                else:
                    for seed in range(seeds):
                        inst = generate(S, N, alpha, seed=seed)
                        r = solve(inst, solver, seed=seed, max_time=max_time)
                        ok = inst.n_errors(r.W) == 0
                        row["runs"] += 1
                        row["solved"] += int(ok)
                        (row["times"] if ok else row["errors"]).append(r.elapsed if ok else r.errors)
                    if row["solved"] == 0:
                        stopped = True
                rows.append(row)
                _print_row(row)
    total = time.perf_counter() - t_start
    print(f"# total {total:.0f} s")
    print()
    print(_table(rows))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"N": N, "seeds": seeds, "max_time": max_time, "rows": rows, "total_s": total}, fh, indent=1)
    return 0


def _fmt(row):
    if row["runs"] == 0:
        return "—", "—", "—", row["status"]
    med_t = f"{statistics.median(row['times']):.2f}" if row["times"] else "—"
    med_e = f"{statistics.median(row['errors']):g}" if row["errors"] else "—"
    return f"{row['solved']}/{row['runs']}", med_t, med_e, row["status"]


def _print_row(row):
    succ, t, e, st = _fmt(row)
    print(f"  {row['states']:<13} {row['solver']:<5} alpha={row['alpha']:<5} success {succ:<5} "
          f"median time {t:>7} s  median errors (failures) {e:>5} {st}", flush=True)


def _table(rows):
    head = "| states | solver | alpha | solved | median time of successes (s) | median errors left (failures) | note |"
    sep = "|---|---|---|---|---|---|---|"
    lines = [head, sep]
    for r in rows:
        succ, t, e, st = _fmt(r)
        lines.append(f"| {r['states']} | {r['solver']} | {r['alpha']} | {succ} | {t} | {e} | {st} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
