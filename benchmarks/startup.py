"""Start-up time of a fresh process: cold vs warm cache of derived equations (``theory.codecache``).

``python -m benchmarks startup [--repeat 3] [--only eq,fp,ly,ld] [--importtime]``.

For each problem one fresh ``python -c`` process runs one point; its wall time is measured with the
cache folder (``FEWBITS_CACHE``) empty ("cold": the functional is derived with sympy and the
generated source written) and filled by a previous run ("warm": the source is read back, checked and
executed).  Each process also reports, from inside, the seconds from its first line to the moment
the compiled equations are ready ("ready": imports + derive or load), which is when computing
starts, and its CPU time (user + system, less sensitive than wall time to a busy machine).
Medians over ``--repeat`` runs.  ``--importtime`` adds the import time of ``theory`` and
``numerics.problems.*`` alone (medians of a few runs) and the largest cumulative times that
``python -X importtime`` reports for the top-level imports of ``numerics.problems.local_entropy``.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

POINTS = {
    "eq": ("numerics.problems.equilibrium", "derived()", "solve_equilibrium('binary', 0.5)",
           "derived, solve_equilibrium"),
    "fp": ("numerics.problems.franz_parisi", "derived_fp()", "solve_franz_parisi('binary', 0.5, 0.1)",
           "derived_fp, solve_franz_parisi"),
    "ly": ("numerics.problems.large_y", "derived_large_y()", "solve_large_y('binary', 0.5, 0.1)",
           "derived_large_y, solve_large_y"),
    "ld": ("numerics.problems.local_entropy", "derived_ld(form='heat_kernel')",
           "solve_local_entropy('binary', 0.5, 0.1, 3.0)", "derived_ld, solve_local_entropy"),
}


def _script(key: str) -> str:
    module, ready, solve, names = POINTS[key]
    return (f"import time; t0 = time.perf_counter()\n"
            f"from {module} import {names}\n"
            f"{ready}; print('READY', time.perf_counter() - t0)\n"
            f"{solve}\n")


def _run(code: str, cache: str, timeout: float = 900.0):
    """(wall s, in-process 'ready' s or nan, CPU s (user + system)) of one fresh interpreter, started in the
    cache's parent folder (so that ``PYTHONPATH`` decides which ``theory`` it imports, not the
    current folder: ``PYTHONPATH=/other/tree python -m benchmarks startup`` measures another tree)."""
    env = {**os.environ, "FEWBITS_CACHE": cache, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONWARNINGS": "ignore"}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout,
                       cwd=os.path.dirname(cache))
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"startup benchmark: process failed:\n{p.stderr[-2000:]}")
    ready = [float(line.split()[1]) for line in p.stdout.splitlines() if line.startswith("READY")]
    return wall, (ready[0] if ready else float("nan")), cpu


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


def measure(key: str, repeat: int):
    """Medians of (wall, ready, cpu) over ``repeat`` cold runs and as many warm ones."""
    code = _script(key)
    cold, warm = [], []
    root = tempfile.mkdtemp(prefix="fewbits-startup-")
    try:
        for i in range(repeat):
            folder = os.path.join(root, f"cold{i}")
            cold.append(_run(code, folder))
            warm.append(_run(code, folder))  # the cold run has filled this folder
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return [_median([c[j] for c in cold]) for j in range(3)], [_median([w[j] for w in warm]) for j in range(3)]


def import_times(repeat: int = 5):
    """Median wall seconds of ``python -c 'import M'`` for the packages a problem pulls in."""
    out = {}
    for mod in ("numpy", "scipy.special", "sympy", "theory", "theory.compile", "theory.derive",
                "numerics.problems.equilibrium", "numerics.problems.local_entropy"):
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {mod}"], check=True, cwd=tempfile.gettempdir())
            ts.append(time.perf_counter() - t)
        out[mod] = _median(ts)
    return out


def importtime_top(module: str, n: int = 12):
    """The n largest cumulative import times (s) among packages imported at depth <= 1 by
    ``python -X importtime -c 'import module'``."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                       text=True, check=True, cwd=tempfile.gettempdir())
    rows = []
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 1:
            rows.append((int(parts[1]) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:n]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks startup")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="eq,fp,ly,ld", help="comma-separated subset of eq,fp,ly,ld")
    ap.add_argument("--importtime", action="store_true")
    args = ap.parse_args(argv)
    keys = [k for k in args.only.split(",") if k]
    for k in keys:
        if k not in POINTS:
            ap.error(f"--only: unknown point {k!r} (choose from {', '.join(POINTS)})")
    print(f"median of {args.repeat} fresh processes; wall = whole command, ready = imports + equations "
          f"(in-process), cpu = user + system time of the process; load average now {os.getloadavg()[0]:.1f}")
    print(f"{'point':<46} {'cold: wall':>10} {'ready':>6} {'cpu':>6}   {'warm: wall':>10} {'ready':>6} {'cpu':>6}")
    for k in keys:
        (cw, cr, cc), (ww, wr, wc) = measure(k, args.repeat)
        print(f"{POINTS[k][2]:<46} {cw:>9.2f}s {cr:>5.2f}s {cc:>5.2f}s   {ww:>9.2f}s {wr:>5.2f}s {wc:>5.2f}s",
              flush=True)
    if args.importtime:
        print("import time (median of 5 fresh processes, includes interpreter start-up):")
        for mod, t in import_times().items():
            print(f"  {mod:<36} {t:.2f} s")
        print("python -X importtime -c 'import numerics.problems.local_entropy' (cumulative, depth <= 1):")
        for t, name in importtime_top("numerics.problems.local_entropy"):
            print(f"  {name:<36} {t:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
