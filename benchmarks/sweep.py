"""Scaling of sweeps on Dask (``numerics.analyses.sweep``): 1 and 2 worker processes, and a projection.

``python -m benchmarks sweep [--only le|alpha_u] [--sets binary excitatory:2] [--workers 1 2] [--project 64]``

Two workloads, each run from an empty cache (a fresh temporary folder per run) on a fresh
``LocalCluster`` of single-threaded worker processes:

* ``le``: a 200-point local-entropy sweep at y → ∞, binary synapses, α = 0.40, 0.43, …, 0.67 (10
  loads) × 20 distances d = 0.01 … 0.08: 10 tasks (one per α, continuation in d inside each);
* ``alpha_u``: the α_U table (one task per state set) for ``--sets`` (default binary and
  excitatory:2, the two cheapest rows; the whole table is hours on one core).

Reported per run: the wall time of the sweep on an already started cluster (``wall``; the warm-up of
the workers' derived code included), the cluster's start-up (``start``), the sum of the task times
(``work``) and the longest task (``longest``: the task graph's critical path, since the tasks are
independent: a sweep's graph is one layer of chunks gathered by the client).  The ratio is
wall(1 worker)/wall(2 workers); the tasks' slowdown work(2)/work(1) shows whether the two cores were
free (1.0) or shared with other jobs.

Projection to P workers: greedy longest-first list scheduling of the task times measured with one
worker, plus the per-run overhead measured with one worker (wall − work): it is checked against
the measured 2-worker wall time, then evaluated at ``--project`` workers.  Its floor is the critical
path, the longest task.
"""
import argparse
import heapq
import json
import math
import os
import sys
import tempfile
import time

LE_ALPHAS = [round(0.40 + 0.03 * i, 6) for i in range(10)]
LE_DS = [round(0.01 + (0.08 - 0.01) * i / 19, 6) for i in range(20)]


def lpt(times, workers: int) -> float:
    """Makespan of independent tasks ``times`` on ``workers`` by greedy longest-first list scheduling."""
    load = [0.0] * min(workers, max(len(times), 1))
    heapq.heapify(load)
    for t in sorted(times, reverse=True):
        heapq.heappush(load, heapq.heappop(load) + t)
    return max(load) if load else 0.0


def run(workload: str, n: int, sets) -> dict:
    """One measured run of ``workload`` on a fresh LocalCluster of ``n`` workers, empty cache."""
    from numerics.analyses.sweep import open_client, sweep

    kw = (dict(quantity="local_entropy", states="binary", alpha=LE_ALPHAS, d=LE_DS, y=math.inf)
          if workload == "le" else dict(quantity="alpha_u", states=list(sets)))
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        with open_client("local", n) as client:
            start = time.perf_counter() - t0
            t1 = time.perf_counter()
            res = sweep(**kw, client=client, cache=cache, progress=False)
            wall = time.perf_counter() - t1
    tasks = [sum(s) for s in res.chunk_seconds]
    return {"workload": workload, "workers": n, "points": len(res.rows), "tasks": len(tasks),
            "failed": len(res.failed), "start": start, "wall": wall, "work": sum(tasks),
            "longest": max(tasks), "task_seconds": tasks,
            "rows": [{k: r[k] for k in ("states", "alpha_U", "converged")} for r in res.rows]
            if workload == "alpha_u" else None}


def report(runs: list, project: int) -> dict:
    one = next(r for r in runs if r["workers"] == 1)
    overhead = max(one["wall"] - one["work"], 0.0)
    out = {"workload": one["workload"], "overhead_s": overhead, "critical_path_s": one["longest"]}
    for r in runs:
        model = lpt(one["task_seconds"], r["workers"]) + overhead
        print(f"  {r['workers']} worker(s): wall {r['wall']:.1f} s (cluster start {r['start']:.1f} s), work "
              f"{r['work']:.1f} s in {r['tasks']} tasks, longest {r['longest']:.1f} s; model {model:.1f} s; "
              f"{r['failed']} of {r['points']} points not converged")
    two = next((r for r in runs if r["workers"] == 2), None)
    if two is not None:
        out["ratio_1_over_2"] = one["wall"] / two["wall"]
        out["task_slowdown_2"] = two["work"] / one["work"]
        print(f"  ratio wall(1)/wall(2) = {out['ratio_1_over_2']:.2f}; the tasks took {out['task_slowdown_2']:.2f}x "
              "their 1-worker time (1.00 on free cores: above it, the cores were shared with other jobs)")
    out[f"projected_{project}_s"] = lpt(one["task_seconds"], project) + overhead
    out[f"speedup_{project}"] = one["wall"] / out[f"projected_{project}_s"]
    print(f"  projection for {project} workers: {out[f'projected_{project}_s']:.1f} s (critical path "
          f"{one['longest']:.1f} s + overhead {overhead:.1f} s); "
          f"speed-up {out[f'speedup_{project}']:.1f} over 1 worker")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks sweep", description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["le", "alpha_u"])
    ap.add_argument("--sets", nargs="+", default=["binary", "excitatory:2"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--project", type=int, default=64)
    ap.add_argument("--json", help="also write every run and the projections to this file")
    args = ap.parse_args(argv)
    if 1 not in args.workers:
        ap.error("--workers must include 1 (the projection starts from the 1-worker task times)")
    print(f"sweep scaling on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f})", flush=True)
    results = {}
    for w in ([args.only] if args.only else ["le", "alpha_u"]):
        print(f"{w}:", flush=True)
        runs = [run(w, n, args.sets) for n in args.workers]
        results[w] = {"runs": runs, "summary": report(runs, args.project)}
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
