"""``fewbits paper``: the main job, computing the paper's tables and figures into a folder.

    fewbits paper [--out DIR] [--quick] [--cache DIR] [--no-sim] [--alpha-u] [--ladder-check]

What it computes (the parameters of each part are in :data:`CONFIG`, one entry for ``--quick`` and one
for the full run):

1. **capacity**: α_c (root of s(α) = 0) for symmetric(L) and excitatory(L) sets, and α_U where
   :mod:`numerics.analyses.alpha_u` exists → ``capacity.csv``, ``capacity_bits.{pdf,png}``;
2. **entropy**: s(α) on a grid up to past α_c for a few sets → ``entropy.csv``, ``entropy.{pdf,png}``;
3. **local entropy** (theory): the y → ∞ curves S_I(d) (:mod:`numerics.problems.large_y`, each panel on its own
   d grid below the end of the y → ∞ branch), the Franz–Parisi curve and the α = 0 curve, per state
   set; finite-y curves (full mode: y = 3) for the external entropy Σ(d), which is not given at
   y → ∞ → ``local_entropy_theory.csv``, ``external_entropy.csv``, ``local_entropy.{pdf,png}``,
   ``external_entropy.{pdf,png}`` (the last two only when finite-y curves were computed);
4. **simulations** (modest N): BP local entropy around reinforced-BP solutions, exhaustive enumeration
   around typical (uniformly drawn) and densest solutions, and the equilibrium entropy log(#solutions)/N
   → ``local_entropy_sim.csv``, ``enumeration_entropy.csv``; plotted with the theory;
5. ``comparison.csv`` and ``report.md``: the α_c/α_U table and, for every theory-versus-simulation
   comparison, N, the number of instances, mean |ΔS| and how many points lie within 2 standard errors;
6. the y → ∞ equations against finite-y ladders (:mod:`numerics.analyses.ladder_check`, two points per state
   set): computed with ``--ladder-check`` (about 30 minutes), else the points already in the cache
   (``fewbits ladder-check`` fills it) → ``ladder_check.csv`` and a table in ``report.md``; a point that
   does not agree counts as a failure (exit status 1).

Every expensive unit (one α_c, one entropy curve, one local-entropy curve, one α_U, one simulated
instance) is cached on disk separately (:mod:`numerics.storage.cache`, default ``DIR/.cache``), keyed by all its
parameters and the package version: a second run is fast and an interrupted run resumes.  Every file is
written atomically; Ctrl-C leaves what was written intact.  Theory modules that are not importable in
this build are reported as "not available in this build" (their figures omit them).  A theory unit
that takes longer than ``--unit-timeout`` seconds (default 300 quick, 420 full: ``unit_timeout`` in
:data:`CONFIG`) is stopped, reported as an error and remembered (so a rerun with the same limit skips
it at once; a larger limit retries it).

Simulation seeds: instance ``i`` (i = 0, 1, …) of a part uses ``seed = SEED0 + i`` for
:func:`numerics.simulate.instances.generate`, the solver seed ``i`` and the typical-solution draw seed
``i``.  Simulation means are over instances; error bars are standard errors (std/√n, ddof = 1).

Exit status: 0 when every theory quantity it writes converged; 1 when some did not (listed in
report.md, drawn hollow in the figures).  Simulation points whose BP did not converge, or instances the
solver did not solve, are excluded from the means and counted in the report; they do not change the
exit status.
"""
from __future__ import annotations

import csv
import importlib
import io
import math
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["capacity_table", "write_atomic", "CONFIG", "run_paper", "SEED0", "Progress"]

SYMMETRIC = [f"symmetric:{L}" for L in range(2, 16)]
EXCITATORY = [f"excitatory:{L}" for L in range(2, 9)]
SEED0 = 1000

# Theory settings are chosen for the time budget (quick ≤ 2 min, full ≤ 15 min on 2 cores, first
# run, empty cache).
#
# - The main local-entropy curves are the y → ∞ theory ("y": math.inf; numerics.problems.large_y through
#   local_entropy_curve, continuation upwards in d).  At this order Σ is not given (NaN).  A y → ∞
#   branch ENDS where its slope dS_I/dd = Δ²Ŝ/2 reaches 0+: past it there is no solution, so each
#   panel has its own grid "ds" (overriding the global "ds" for its y → ∞ curves), kept below the
#   branch end, and "branch_end" records where the end was measured (α = 0.6, reported and written
#   in the panel).  Binary: slope 0+ near d ≈ 0.22 (converged at 0.21, no solution at 0.25 or 0.3).
#   symmetric(3): slope 1.19, 0.29, 0.083 at d = 0.10, 0.12, 0.125, no converged point at 0.1275
#   and beyond: the end is at d ≈ 0.127.  Points below d ≈ 0.02 are slow (0.03–0.04 is the floor).
# - The Franz–Parisi curves (y → 0) and the finite-y extras use the global "ds" (no branch end in
#   that range).  "finite_y" curves give the external entropy Σ(d) (external_entropy figure), which
#   the y → ∞ order does not: full mode computes y = 3 for every theory panel; quick mode none (time).
# - α_U (numerics.analyses.alpha_u, 1–10 minutes per state set): full mode computes binary (40 s) and
#   symmetric(3) (about 2 minutes) so that the capacity figure shows α_U; the other sets are left to
#   `fewbits paper --alpha-u` and `fewbits alpha-u --table` (both fill the cache this job reads), and
#   the report says so.
CONFIG = {
    "quick": {
        "capacity_sets": SYMMETRIC[:6] + EXCITATORY[:4],
        "alpha_u_sets": [],
        "entropy_sets": ["binary", "symmetric:3", "excitatory:2", "excitatory:3"],
        "entropy_points": 10,
        "panels": [
            {"states": "binary", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 205, "enum_N": 15, "theory": True,
             "ds": [0.05, 0.1, 0.15, 0.2], "branch_end": 0.22},
            {"states": "symmetric:3", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 105, "enum_N": 10,
             "theory": False, "ds": [0.04, 0.08, 0.12], "branch_end": 0.127},
        ],
        "ds": [0.05, 0.1, 0.2],
        "y": math.inf,
        "finite_y": [],
        "unit_timeout": 300.0,
        "bp_instances": 3,
        "enum_instances": 4,
    },
    "full": {
        "capacity_sets": SYMMETRIC + EXCITATORY,
        "alpha_u_sets": ["binary", "symmetric:3"],
        "entropy_sets": ["binary", "symmetric:3", "symmetric:5", "excitatory:2", "excitatory:3", "excitatory:5"],
        "entropy_points": 30,
        "panels": [
            {"states": "binary", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 1005, "enum_N": 25, "theory": True,
             "ds": [0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.18, 0.21], "branch_end": 0.22},
            {"states": "symmetric:3", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 505, "enum_N": 15,
             "theory": True, "ds": [0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.125], "branch_end": 0.127},
        ],
        "ds": [0.04, 0.06, 0.1, 0.15, 0.2, 0.25],
        "y": math.inf,
        "finite_y": [3.0],
        "unit_timeout": 420.0,
        "bp_instances": 6,
        "enum_instances": 12,
    },
}

NOT_AVAILABLE = "not available in this build"


# ------------------------------------------------------------------------------------------ utilities
from ..storage.cache import write_atomic  # noqa: E402  (re-exported: part of this module's API)


def _fmt(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # round-trips exactly
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return "" if v is None else v


def _csv(rows, header_comment: str) -> str:
    buf = io.StringIO()
    for line in header_comment.splitlines():
        buf.write(f"# {line}\n")
    if not rows:
        buf.write("# (no rows)\n")
        return buf.getvalue()
    fields = list(rows[0])
    for r in rows[1:]:
        fields += [k for k in r if k not in fields]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _fmt(r.get(k)) for k in fields})
    return buf.getvalue()


def read_csv(path):
    """Rows of a CSV written by :func:`_csv` (comment lines skipped), values as strings."""
    lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


class Progress:
    """A small tqdm-style progress bar on stderr: ``[####    ] i/n label  elapsed``."""

    def __init__(self, total: int, title: str = "", stream=None, width: int = 28):
        self.total = max(1, int(total))
        self.i = 0
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.t0 = time.time()
        self.show("")

    def show(self, label):
        frac = min(1.0, self.i / self.total)
        bar = "#" * int(self.width * frac)
        self.stream.write(f"\r{self.title:<14} [{bar:<{self.width}}] {self.i}/{self.total} "
                          f"{str(label)[:28]:<28} {time.time() - self.t0:6.1f}s")
        self.stream.flush()

    def step(self, label=""):
        self.i += 1
        self.show(label)

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


def _progress(stream=sys.stderr):
    """Backwards-compatible callback form ``show(i, n, label)``."""
    t0 = time.time()

    def show(i, n, label):
        bar = "#" * int(30 * i / n)
        stream.write(f"\r[{bar:<30}] {i}/{n} {label:<16} {time.time() - t0:6.1f}s")
        if i == n:
            stream.write("\n")
        stream.flush()

    return show


def _optional(module: str, name: str):
    """``module.name`` if importable, else None (the part is then reported as not available)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


class _Guard:
    """Runs theory units; an ImportError inside (a module still landing) marks the part as not available,
    any other exception is recorded as an error (the part is omitted, the exit status becomes 1)."""

    def __init__(self, timeout=None, cache=None):
        self.missing, self.errors = [], []
        self.timeout = timeout  # seconds per unit (SIGALRM, main thread on Unix); None = no limit
        self.cache = cache  # where time-outs are remembered, so a rerun with the same limit is fast

    def __call__(self, what, fn, *a, **kw):
        import signal
        import threading
        import warnings

        from ..storage import cache as _cache

        tkey = {"kind": "timeout", "what": what, "args": repr(a[:-1] if a and isinstance(a[-1], Path) else a)}
        if self.timeout and self.cache is not None:
            hit, rec = _cache.load(self.cache, tkey)
            if hit and rec["limit"] >= self.timeout:
                self.errors.append(f"{what}: timed out earlier with a limit of {rec['limit']:g} s "
                                   "(rerun with a larger --unit-timeout)")
                return None

        use_alarm = bool(self.timeout) and hasattr(signal, "setitimer") and \
            threading.current_thread() is threading.main_thread()
        if use_alarm:
            def _alarm(signum, frame):
                raise UnitTimeout(f"took longer than {self.timeout:g} s (unit time limit; not cached)")

            old = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, float(self.timeout))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # overflow/invalid warnings inside saddle iterations are the solver's business: the
                # result's converged flag is what counts (and is reported)
                warnings.simplefilter("ignore", RuntimeWarning)
                return fn(*a, **kw)
        except ImportError as exc:
            msg = f"{what}: {NOT_AVAILABLE} ({type(exc).__name__}: {exc})"
            if msg not in self.missing:
                self.missing.append(msg)
        except KeyboardInterrupt:
            raise
        except UnitTimeout as exc:
            self.errors.append(f"{what}: {exc}")
            if self.cache is not None:
                _cache.store(self.cache, tkey, {"limit": float(self.timeout)})
        except Exception as exc:  # noqa: BLE001 - reported, never silently dropped
            self.errors.append(f"{what}: {type(exc).__name__}: {exc}")
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0.0)
                signal.signal(signal.SIGALRM, old)
        return None


class UnitTimeout(Exception):
    """A theory unit exceeded its time limit (reported as an error; nothing cached, so a later run with a
    larger ``--unit-timeout`` resumes it)."""


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _ytxt(y, ascii=False) -> str:
    """``y → ∞`` or ``y = 3`` (``y=inf``/``y=3`` with ``ascii``, for the progress bar)."""
    y = float(y)
    if math.isinf(y):
        return "y=inf" if ascii else "y → ∞"
    return f"y={y:g}" if ascii else f"y = {y:g}"


# ------------------------------------------------------------------------------------------ theory units
def capacity_table(state_sets, progress=None, cache=None):
    """α_c for each state set: a list of dicts (states, L, bits, alpha_c, q, Q, converged, residual)."""
    from theory.states import parse_states

    from ..storage.cache import cached

    rows = []
    for i, s in enumerate(state_sets):
        S = parse_states(s)

        def compute(s=s):
            from ..problems.equilibrium import capacity

            c = capacity(s)
            return {"alpha_c": c.alpha_c, "q": c.q, "Q": c.Q, "converged": bool(c.converged),
                    "residual": c.saddle.residual if c.saddle else math.nan, "message": c.message}

        v = cached(cache, {"kind": "capacity", "states": S.name, "kappa": 0.0, "f_out": 0.5, "bias": 0.0},
                   compute)
        rows.append({"states": S.name, "L": S.L, "bits": S.bits, "alpha_c": v["alpha_c"], "q": v["q"],
                     "Q": v["Q"], "converged": v["converged"], "residual": v["residual"]})
        if progress:
            progress(i + 1, len(state_sets), S.name)
    return rows


def entropy_curve_unit(states: str, alphas, cache=None) -> dict:
    """s(α) by continuation (:func:`numerics.problems.equilibrium.entropy_curve`) on the given α grid, cached."""
    alphas = [float(a) for a in alphas]

    def compute():
        from ..problems.equilibrium import entropy_curve

        res = entropy_curve(states, alphas)
        return {"alpha": alphas, "s": [r.value for r in res], "q": [r.params.get("q", math.nan) for r in res],
                "Q": [r.params.get("Q", math.nan) for r in res], "converged": [bool(r.converged) for r in res],
                "residual": [r.residual for r in res]}

    from ..storage.cache import cached

    return cached(cache, {"kind": "entropy_curve", "states": states, "alphas": alphas, "kappa": 0.0,
                          "f_out": 0.5, "bias": 0.0}, compute)


def entropy_grid(alpha_c: float, n: int) -> list:
    """n points from 0.02 to 1.1 α_c (rounded to 1e-6 so the cache key is stable)."""
    return [round(float(a), 6) for a in np.linspace(0.02, 1.1 * alpha_c, n)]


def _curve_dict(c) -> dict:
    def arr(name):
        v = getattr(c, name, None)
        if v is None:
            return None
        return np.asarray(v, dtype=float).tolist()

    d = arr("d")
    conv = getattr(c, "converged", None)
    conv = np.broadcast_to(np.asarray(conv if conv is not None else True, dtype=bool), (len(d),)).tolist()
    out = {"d": d, "S_I": arr("S_I"), "Sigma": arr("Sigma"), "phi": arr("phi"), "converged": conv,
           "residual": arr("residual"), "y": _f(getattr(c, "y", math.nan)), "alpha": _f(getattr(c, "alpha", math.nan))}
    n = len(d)
    if math.isinf(out["y"]) and getattr(c, "points", None):
        # y → ∞: the exact slope dS_I/dd at each point (→ 0+ at the end of the branch)
        slope = _optional("numerics.problems.large_y", "slope")
        if slope is not None:
            out["slope"] = [float(slope(p)) for p in c.points]
    for k in ("Sigma", "phi", "residual"):
        if out[k] is None:
            out[k] = [math.nan] * n
        else:
            out[k] = np.broadcast_to(np.asarray(out[k], float), (n,)).tolist()
    return out


def local_entropy_unit(states, alpha, y, ds, cache=None):
    """One local-entropy curve at finite y, or at y = math.inf the y → ∞ equations (numerics.problems.large_y,
    continuation upwards in d: the branch is followed from small d towards its end), cached; None when
    the module is not in this build.  The cache key holds y (``Infinity`` in the JSON for y → ∞), the
    sweep and, for y → ∞, which equations were solved."""
    fn = _optional("numerics.problems.local_entropy", "local_entropy_curve")
    if fn is None:
        return None
    from ..storage.cache import cached

    y = float(y)
    key = {"kind": "local_entropy", "states": states, "alpha": float(alpha), "y": y,
           "ds": [float(x) for x in ds], "reference": "solution", "distance": "squared", "kappa": 0.0}
    kw = {}
    if math.isinf(y):
        kw = {"sweep": "up"}
        key.update(sweep="up", equations="y -> inf (numerics.problems.large_y)")
    else:
        key.update(decoupling="heat_kernel")  # curves cached before it was the default at every y are redone
    v = cached(cache, key, lambda: _curve_dict(fn(states, float(alpha), y, np.asarray(ds, float),
                                                   reference="solution", distance="squared", kappa=0.0, **kw)))
    v["states"] = states
    return v


def franz_parisi_unit(states, alpha, ds, cache=None):
    fn = _optional("numerics.problems.franz_parisi", "franz_parisi_curve")
    if fn is None:
        return None
    from ..storage.cache import cached

    key = {"kind": "franz_parisi", "states": states, "alpha": float(alpha), "ds": [float(x) for x in ds],
           "distance": "squared"}
    v = cached(cache, key, lambda: _curve_dict(fn(states, float(alpha), np.asarray(ds, float), distance="squared")))
    v["states"] = states
    return v


def alpha0_unit(states, ds):
    fn = _optional("numerics.problems.local_entropy", "alpha0_curve")
    if fn is None:
        return None
    return {"d": [float(x) for x in ds], "S_I": np.asarray(fn(states, np.asarray(ds, float), distance="squared"),
                                                         float).tolist()}


def alpha_u_unit(states, cache=None, compute_missing=True):
    """α_U of one state set (numerics.analyses.alpha_u at its default y and window), cached under the key of
    :func:`numerics.analyses.alpha_u.alpha_u_cache_key` (shared with ``fewbits alpha-u --table --cache``).
    With ``compute_missing=False`` only a cached result is returned (None when there is none)."""
    if _optional("numerics.analyses.alpha_u", "alpha_u") is None:
        return None
    from ..analyses.alpha_u import cached_alpha_u

    return cached_alpha_u(states, cache, compute_missing=compute_missing)


# ------------------------------------------------------------------------------------------ simulation units
def bp_instance_unit(states, N, alpha, i, cache=None):
    """One instance: reinforced BP solution, then the BP local entropy F(d) around it (default γ sweep)."""
    from ..storage.cache import cached

    def compute():
        from theory.states import parse_states

        from ..simulate import bp, instances, solvers

        S = parse_states(states)
        inst = instances.generate(S, N=N, alpha=alpha, seed=SEED0 + i)
        t0 = time.perf_counter()
        sol = solvers.solve(inst, "rbp", seed=i, max_time=60.0)
        out = {"M": inst.M, "alpha_actual": inst.alpha, "solved": bool(sol.solved), "errors": int(sol.errors),
               "solver_iterations": int(sol.iterations), "gamma": [], "d": [], "F": [], "converged": []}
        if sol.solved:
            res = bp.local_entropy_sweep(inst, sol.W, distance="squared")
            out.update(gamma=[r.gamma for r in res], d=[r.d for r in res], F=[r.F for r in res],
                       converged=[bool(r.converged) for r in res])
        out["elapsed"] = time.perf_counter() - t0
        return out

    return cached(cache, {"kind": "sim_bp_rbp", "states": states, "N": int(N), "alpha": float(alpha),
                          "seed": SEED0 + i, "solver": "rbp", "solver_seed": i, "distance": "squared",
                          "gammas": "default"}, compute)


def enum_instance_unit(states, N, alpha, i, cache=None):
    """One instance enumerated: #solutions, and the exact local entropy around a typical solution
    (uniform draw, seed i) and around the densest solution."""
    from ..storage.cache import cached

    def compute():
        from theory.states import parse_states

        from ..simulate import enumeration, instances

        S = parse_states(states)
        inst = instances.generate(S, N=N, alpha=alpha, seed=SEED0 + i)
        r = enumeration.enumerate_solutions(inst)
        out = {"M": inst.M, "alpha_actual": inst.alpha, "n_solutions": int(r.n_solutions)}
        if r.n_solutions:
            sols = r.solutions(S)
            typ = enumeration.sample_solutions(r, S, 1, seed=i)[0]
            d, c, _ = enumeration.distance_histogram(sols, typ, S, "squared")
            out["typical"] = {"d": d, "counts": c}
            if r.n_solutions <= 20000:
                dn = enumeration.densest_solution(sols, S, distance="squared")
                d, c, _ = enumeration.distance_histogram(sols, dn.W, S, "squared")
                out["densest"] = {"d": d, "counts": c}
        return out

    return cached(cache, {"kind": "sim_enum", "states": states, "N": int(N), "alpha": float(alpha),
                          "seed": SEED0 + i, "typical_seed": i, "distance": "squared"}, compute)


def aggregate_bp(units):
    """Mean ± standard error over instances of (d, F) at each γ (solved instances, converged BP only)."""
    good = [u for u in units if u["solved"] and u["gamma"]]
    rows = []
    if not good:
        return rows, len(units) - len(good), 0
    excluded = 0
    for j, g in enumerate(good[0]["gamma"]):
        ds = np.array([u["d"][j] for u in good if u["converged"][j]])
        Fs = np.array([u["F"][j] for u in good if u["converged"][j]])
        excluded += len(good) - len(ds)
        if len(ds) < 2:
            continue
        rows.append({"gamma": g, "d": ds.mean(), "d_err": ds.std(ddof=1) / math.sqrt(len(ds)), "S": Fs.mean(),
                     "S_err": Fs.std(ddof=1) / math.sqrt(len(Fs)), "n": len(ds)})
    rows = [r for r in rows if r["d"] > 1e-3]  # γ so large that the reference is pinned: d = 0, F = 0
    return rows, len(units) - len(good), excluded


def aggregate_enum(units, which):
    """Mean ± SE over instances of (1/N) log count at each distance present (count > 0) in every instance."""
    hs = [u[which] for u in units if which in u]
    if len(hs) < 2:
        return [], len(hs)
    table = {}
    for h in hs:
        for d, c in zip(h["d"], h["counts"]):
            table.setdefault(round(float(d), 9), []).append(c)
    rows = []
    for d in sorted(table):
        cs = np.array(table[d], float)
        if d <= 0 or len(cs) < len(hs) or (cs <= 0).any():
            continue
        rows.append({"d": d, "counts": cs})
    return rows, len(hs)


# ------------------------------------------------------------------------------------------ comparison
def _interpolant(theory: dict | None):
    """(d, S) of a theory curve's converged points sorted by d, or None with fewer than two."""
    if theory is None:
        return None
    d = np.asarray(theory["d"], float)
    S = np.asarray(theory["S_I"], float)
    ok = np.asarray(theory["converged"], bool) & np.isfinite(S)
    if ok.sum() < 2:
        return None
    o = np.argsort(d[ok])
    return d[ok][o], S[ok][o]


def compare(theory: dict | None, sim_rows: list) -> dict:
    """Agreement of simulation points (d, S ± S_err) with a theory curve interpolated at d (converged,
    in range only): mean |ΔS|, max |ΔS|, signed mean ΔS (ΔS = simulation − theory), number within
    2 standard errors."""
    out = {"n_points": 0, "mean_abs_dS": math.nan, "max_abs_dS": math.nan, "mean_dS": math.nan, "within_2se": 0}
    curve = _interpolant(theory)
    if curve is None or not sim_rows:
        return out
    d, S = curve
    diffs, within = [], 0
    for r in sim_rows:
        if not (d[0] <= r["d"] <= d[-1]):
            continue
        dS = r["S"] - float(np.interp(r["d"], d, S))
        diffs.append(dS)
        within += int(abs(dS) <= 2 * r["S_err"])
    if diffs:
        a = np.abs(diffs)
        out.update(n_points=len(diffs), mean_abs_dS=float(np.mean(a)), max_abs_dS=float(np.max(a)),
                   mean_dS=float(np.mean(diffs)), within_2se=within)
    return out


def compare_between(lower: dict | None, upper: dict | None, sim_rows: list) -> dict:
    """Simulation points against the band between two theory curves, e.g. the Franz–Parisi curve
    (typical references) and the y → ∞ curve (the densest references): a solution found by an
    algorithm is a reference of neither kind, and its local entropy should lie between them.

    Over the points inside both curves' d ranges: ΔS = the distance of S from the band [lower,
    upper] (0 inside; mean and max of |ΔS|), the signed mean of S − upper, and the number of points
    inside the band widened by 2 standard errors."""
    out = {"n_points": 0, "mean_abs_dS": math.nan, "max_abs_dS": math.nan, "mean_dS": math.nan, "within_2se": 0}
    lo, hi = _interpolant(lower), _interpolant(upper)
    if lo is None or hi is None or not sim_rows:
        return out
    dist, below_top, within = [], [], 0
    for r in sim_rows:
        x = r["d"]
        if not (max(lo[0][0], hi[0][0]) <= x <= min(lo[0][-1], hi[0][-1])):
            continue
        a, b = float(np.interp(x, *lo)), float(np.interp(x, *hi))
        dist.append(max(a - r["S"], r["S"] - b, 0.0))
        below_top.append(r["S"] - b)
        within += int(a - 2 * r["S_err"] <= r["S"] <= b + 2 * r["S_err"])
    if dist:
        out.update(n_points=len(dist), mean_abs_dS=float(np.mean(dist)), max_abs_dS=float(np.max(dist)),
                   mean_dS=float(np.mean(below_top)), within_2se=within)
    return out


# ------------------------------------------------------------------------------------------ the job
def run_paper(out, quick=False, cache=None, simulate=True, stream=None, unit_timeout=None,
              alpha_u=False, ladder_check=False) -> int:
    from .. import __version__
    from . import plots

    stream = stream if stream is not None else sys.stderr
    t_start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache is not None else out / ".cache"
    cfg = CONFIG["quick" if quick else "full"]
    mode = "quick" if quick else "full"
    meta = f"fewbits {__version__}; mode {mode}; kappa=0, f_out=0.5, bias=0, counting measure"
    failures, missing, notes = [], [], []
    guard = _Guard(unit_timeout if unit_timeout is not None else cfg["unit_timeout"], cache)
    written = []

    def save(fig, stem):
        written.extend(plots.save_figure(fig, out / stem))

    def csv_out(name, rows, header):
        write_atomic(out / name, _csv(rows, f"{meta}\n{header}"))
        written.append(out / name)

    # 1. capacity ---------------------------------------------------------------------------------
    sets = cfg["capacity_sets"]
    bar = Progress(len(sets), "capacity", stream)
    rows = capacity_table(sets, progress=lambda i, n, lab: bar.step(lab), cache=cache)
    bar.close()
    failures += [f"α_c {r['states']}" for r in rows if not r["converged"]]
    au_sets = cfg["alpha_u_sets"]
    from ..analyses.alpha_u import TABLE_SETS
    if alpha_u:  # opt-in: the α_U table of numerics.analyses.alpha_u (tens of minutes per state set)
        au_sets = list(TABLE_SETS)
    au = {}
    if _optional("numerics.analyses.alpha_u", "alpha_u") is None:
        missing.append("α_U (numerics.analyses.alpha_u)")
    else:
        # the opt-in table runs without the unit time limit (it is long by design)
        au_guard = _Guard(None, cache) if alpha_u else guard
        bar = Progress(len(au_sets), "alpha_U", stream)
        from theory.states import parse_states

        for s in au_sets:
            v = au_guard(f"α_U {s}", alpha_u_unit, s, cache)
            if v is not None:
                au[parse_states(s).name] = v
            bar.step(s)
        bar.close()
        for s in TABLE_SETS:  # α_U already in the cache (an earlier `--alpha-u` run) is used too
            name = parse_states(s).name
            if name not in au:
                v = alpha_u_unit(s, cache, compute_missing=False)
                if v is not None:
                    au[name] = v
        failures += [f"α_U {k}" for k, v in au.items() if not v["converged"]]
        if au_guard is not guard:
            guard.errors += au_guard.errors
    from theory.states import parse_states

    cap_rows = []
    names = [r["states"] for r in rows]
    known = [parse_states(n) for n in names]
    extra = [parse_states(s).name for s in au_sets if parse_states(s) not in known]
    if extra:
        rows += capacity_table(extra, cache=cache)
    for r in rows:
        u = au.get(r["states"])
        if u is None:  # the same set under another name (binary = symmetric:2)
            S_r = parse_states(r["states"])
            u = next((v for k, v in au.items() if parse_states(k) == S_r), None)
        cap_rows.append({**r, "alpha_U": u["alpha_U"] if u else math.nan,
                         "alpha_U_lo": u["interval"][0] if u else math.nan,
                         "alpha_U_hi": u["interval"][1] if u else math.nan,
                         "alpha_U_y": u["y"] if u else math.nan,
                         "alpha_U_converged": u["converged"] if u else "",
                         "alpha_U_upper_bound": bool(u.get("upper_bound", False)) if u else ""})
    csv_out("capacity.csv", cap_rows, "alpha_c: root of s(alpha)=0 (RS); alpha_U: numerics.analyses.alpha_u "
            "(empty when not computed); bits = log2 L")
    save(plots.capacity_bits_figure(cap_rows), "capacity_bits")

    # 2. entropy curves ---------------------------------------------------------------------------
    ac = {r["states"]: r["alpha_c"] for r in rows}
    ent_sets = cfg["entropy_sets"]
    missing_ac = [s for s in ent_sets if parse_states(s).name not in ac]
    for r in capacity_table(missing_ac, cache=cache):
        ac[r["states"]] = r["alpha_c"]
    bar = Progress(len(ent_sets), "entropy s(α)", stream)
    curves, ent_rows = [], []
    for s in ent_sets:
        name = parse_states(s).name
        v = entropy_curve_unit(name, entropy_grid(ac[name], cfg["entropy_points"]), cache)
        curves.append({"states": name, "alpha": v["alpha"], "s": v["s"], "converged": v["converged"],
                       "alpha_c": ac[name]})
        for k in range(len(v["alpha"])):
            ent_rows.append({"states": name, "alpha": v["alpha"][k], "s": v["s"][k], "q": v["q"][k],
                             "Q": v["Q"][k], "converged": v["converged"][k], "residual": v["residual"][k]})
        failures += [f"s(α={a}) {name}" for a, c in zip(v["alpha"], v["converged"]) if not c]
        bar.step(name)
    bar.close()
    csv_out("entropy.csv", ent_rows, "equilibrium RS entropy s(alpha) (nats/synapse) by continuation in alpha")
    save(plots.entropy_figure(curves), "entropy")

    # 3. local-entropy theory ----------------------------------------------------------------------
    # the main curves at y (y → ∞ in both modes) on each panel's own grid (kept below the branch end),
    # Franz–Parisi and the finite-y extras on the global grid
    ds, y = cfg["ds"], cfg["y"]
    have_le = _optional("numerics.problems.local_entropy", "local_entropy_curve") is not None
    have_fp = _optional("numerics.problems.franz_parisi", "franz_parisi_curve") is not None
    have_a0 = _optional("numerics.problems.local_entropy", "alpha0_curve") is not None
    if not have_le:
        missing.append("local entropy S_I(d), Σ(d) (numerics.problems.local_entropy.local_entropy_curve)")
    if not have_fp:
        missing.append("Franz–Parisi curve (numerics.problems.franz_parisi.franz_parisi_curve)")
    if not have_a0:
        missing.append("α = 0 curve (numerics.problems.local_entropy.alpha0_curve)")
    th_panels = [p for p in cfg["panels"] if p.get("theory", True)]
    n_units = sum(len(p["alphas"]) * (have_le + have_fp) for p in th_panels) + \
        (len(cfg["finite_y"]) * len(th_panels) if have_le else 0)
    theory = {}
    th_rows, ext_rows = [], []
    if n_units:
        bar = Progress(n_units, "local entropy", stream)
        for p in th_panels:
            s = p["states"]
            for a in p["alphas"]:
                for kind, yy, grid in ([("y", y, p.get("ds", ds))]
                                       + [("finite_y", fy, ds) for fy in cfg["finite_y"] if a == p["alphas"][0]]
                                       if have_le else []):
                    c = guard(f"local entropy {s} α={a} {_ytxt(yy)}", local_entropy_unit, s, a, yy, grid, cache)
                    if c is not None:
                        theory[(s, a, kind, yy)] = c
                    bar.step(f"{s} α={a} {_ytxt(yy, ascii=True)}")
                if have_fp:
                    c = guard(f"Franz–Parisi {s} α={a}", franz_parisi_unit, s, a, ds, cache)
                    if c is not None:
                        theory[(s, a, "fp", 0.0)] = c
                    bar.step(f"{s} α={a} FP")
        bar.close()
    for (s, a, kind, yy), c in theory.items():
        label = {"y": "y_inf" if math.isinf(yy) else "y_main", "finite_y": "finite_y", "fp": "franz_parisi"}[kind]
        slopes = c.get("slope") or [math.nan] * len(c["d"])
        for k in range(len(c["d"])):
            th_rows.append({"states": s, "alpha": a, "curve": label, "y": c["y"] if kind != "fp" else 0.0,
                            "d": c["d"][k], "S_I": c["S_I"][k], "Sigma": c["Sigma"][k], "phi": c["phi"][k],
                            "dS_dd": slopes[k], "converged": c["converged"][k], "residual": c["residual"][k]})
            if not c["converged"][k]:
                failures.append(f"{label} {s} α={a} {_ytxt(yy) if kind != 'fp' else 'y → 0'} d={c['d'][k]:g}")
    a0 = {p["states"]: guard(f"α = 0 curve {p['states']}", alpha0_unit, p["states"], np.linspace(0.005, 0.5, 100))
          for p in cfg["panels"]}
    for s, c in a0.items():
        if c is not None:
            th_rows += [{"states": s, "alpha": 0.0, "curve": "alpha0", "y": math.nan, "d": dd, "S_I": ss,
                         "Sigma": math.nan, "phi": math.nan, "dS_dd": math.nan, "converged": True,
                         "residual": math.nan}
                        for dd, ss in zip(c["d"], c["S_I"])]
    csv_out("local_entropy_theory.csv", th_rows,
            "theory local entropy S_I(d) (nats/synapse), squared distance, reference a solution; "
            "curve y_inf: the y -> inf equations (y = inf; Sigma not given at this order, NaN; dS_dd = exact "
            "slope, -> 0+ at the end of the branch, which the panel's d grid stays below); "
            "finite_y: finite y (column y), with Sigma; franz_parisi (y -> 0); alpha0 (upper bound)")
    # Σ(d) exists at finite y only: the external-entropy figure shows the finite-y curves (left), and
    # their S_I next to the y → ∞ curves of the same sets (right)
    main_curves = [theory[k] for k in [(p["states"], a, "y", y) for p in th_panels for a in p["alphas"]]
                   if k in theory]
    fin = [theory[k] for k in [(p["states"], p["alphas"][0], "finite_y", fy) for p in th_panels
                               for fy in cfg["finite_y"]] if k in theory]
    sigma_note = ""
    sigma_curves = [c for c in main_curves + fin if np.isfinite(np.asarray(c["Sigma"], float)).any()]
    if sigma_curves:
        ext_rows = [{"states": c["states"], "alpha": c["alpha"], "y": c["y"], "d": c["d"][k],
                     "Sigma": c["Sigma"][k], "S_I": c["S_I"][k], "converged": c["converged"][k]}
                    for c in sigma_curves for k in range(len(c["d"]))]
        csv_out("external_entropy.csv", ext_rows, "external entropy Sigma(d) and S_I(d) of the references, finite y "
                "only (Sigma is not given at y -> inf)")
        fin_sets = {c["states"] for c in sigma_curves}
        by_set = [c for st in dict.fromkeys(c["states"] for c in main_curves + fin) if st in fin_sets
                  for c in main_curves + fin if c["states"] == st]  # per set: y → ∞, then finite y
        save(plots.external_entropy_figure(sigma_curves, finite_y=by_set), "external_entropy")
    else:
        sigma_note = ("not computed in this mode: Σ is not given at y → ∞ and no finite-y curve was run "
                      "(the full run has them)")

    # 4. simulations -----------------------------------------------------------------------------
    sim_rows, cmp_rows, enum_rows = [], [], []
    panels_fig = []
    if simulate:
        n_units = sum(cfg["bp_instances"] + cfg["enum_instances"] for _ in cfg["panels"])
        bar = Progress(n_units, "simulations", stream)
        sims = {}
        for p in cfg["panels"]:
            s, a = p["states"], p["sim_alpha"]
            bp_units, en_units = [], []
            for i in range(cfg["bp_instances"]):
                bp_units.append(bp_instance_unit(s, p["bp_N"], a, i, cache))
                bar.step(f"{s} BP N={p['bp_N']} #{i}")
            for i in range(cfg["enum_instances"]):
                en_units.append(enum_instance_unit(s, p["enum_N"], a, i, cache))
                bar.step(f"{s} enum N={p['enum_N']} #{i}")
            sims[s] = (bp_units, en_units)
        bar.close()
    for p in cfg["panels"]:
        s, a = p["states"], p["sim_alpha"]
        panel = {"title": s, "theory": [], "simulations": [], "notes": []}
        for aa in p["alphas"]:
            c = theory.get((s, aa, "y", y))
            if c is not None:
                panel["theory"].append(c)
        fp = theory.get((s, a, "fp", 0.0))
        if fp is not None:
            panel["franz_parisi"] = fp
        if a0.get(s) is not None:
            panel["alpha0"] = (a0[s]["d"], a0[s]["S_I"])
        if panel["theory"] and math.isinf(y) and p.get("branch_end"):
            last = max((dd for c in panel["theory"] for dd, ok in zip(c["d"], c["converged"]) if ok),
                       default=math.nan)
            panel["notes"].append(f"y → ∞ branch ends at d ≈ {p['branch_end']:g}"
                                  + (f" (curve to d = {last:g})" if math.isfinite(last) else ""))
        if not panel["theory"]:
            why = (NOT_AVAILABLE if not have_le else
                   "not computed in this mode" if not p.get("theory", True) else "failed (see report.md)")
            panel["notes"].append(f"theory S_I: {why}")
        if simulate:
            bp_units, en_units = sims[s]
            M_bp = bp_units[0]["M"]
            brows, unsolved, excl = aggregate_bp(bp_units)
            n_ok = len(bp_units) - unsolved
            label = f"BP, rBP solutions (N={p['bp_N']}, {n_ok} inst.)"
            if brows:
                panel["simulations"].append({"label": label, "d": [r["d"] for r in brows],
                                             "S": [r["S"] for r in brows], "S_err": [r["S_err"] for r in brows],
                                             "d_err": [r["d_err"] for r in brows]})
            for r in brows:
                sim_rows.append({"states": s, "method": "bp_rbp", "N": p["bp_N"], "M": M_bp, "alpha": a,
                                 "n_instances": r["n"], "gamma": r["gamma"], "d": r["d"], "d_err": r["d_err"],
                                 "S": r["S"], "S_err": r["S_err"]})
            if unsolved:
                notes.append(f"{s}: rBP failed to solve {unsolved} of {len(bp_units)} instances at N={p['bp_N']} "
                             f"(excluded)")
            if excl:
                notes.append(f"{s}: {excl} (instance, γ) BP runs did not converge (excluded from means)")
            cmp_rows.append({"states": s, "alpha": a, "simulation": "bp_rbp", "N": p["bp_N"], "n_instances": n_ok,
                             "theory": f"local entropy {_ytxt(y)}" if (s, a, "y", y) in theory else
                             (NOT_AVAILABLE if not have_le else "no curve (see Convergence / Not available)"),
                             **compare(theory.get((s, a, "y", y)), brows)})
            # a rBP solution is neither a typical nor the densest reference: its local entropy should lie
            # between the Franz–Parisi curve and the y → ∞ curve
            band = compare_between(theory.get((s, a, "fp", 0.0)), theory.get((s, a, "y", y)), brows)
            if band["n_points"]:
                cmp_rows.append({"states": s, "alpha": a, "simulation": "bp_rbp", "N": p["bp_N"],
                                 "n_instances": n_ok, "theory": f"between Franz–Parisi and local entropy {_ytxt(y)}",
                                 **band})
            N_en = p["enum_N"]
            for which, th_kind, mk in (("typical", "fp", "enum_typical"), ("densest", "y", "enum_densest")):
                erows, n_inst = aggregate_enum(en_units, which)
                pts = []
                for r in erows:
                    S_i = np.log(r["counts"]) / N_en
                    pts.append({"d": r["d"], "S": S_i.mean(), "S_err": S_i.std(ddof=1) / math.sqrt(len(S_i)),
                                "n": len(S_i)})
                for r in pts:
                    sim_rows.append({"states": s, "method": mk, "N": N_en, "M": en_units[0]["M"], "alpha": a,
                                     "n_instances": r["n"], "gamma": math.nan, "d": r["d"], "d_err": 0.0,
                                     "S": r["S"], "S_err": r["S_err"]})
                if pts:
                    panel["simulations"].append({"label": f"enumeration, {which} (N={N_en}, {n_inst} inst.)",
                                                 "d": [r["d"] for r in pts], "S": [r["S"] for r in pts],
                                                 "S_err": [r["S_err"] for r in pts]})
                th = theory.get((s, a, th_kind, y if th_kind == "y" else 0.0))
                have = th is not None
                cmp_rows.append({"states": s, "alpha": a, "simulation": mk, "N": N_en, "n_instances": n_inst,
                                 "theory": ("Franz–Parisi" if th_kind == "fp" else f"local entropy {_ytxt(y)}")
                                 if have else (NOT_AVAILABLE if not (have_fp if th_kind == "fp" else have_le)
                                               else "no curve (see Convergence / Not available)"),
                                 **compare(th, pts)})
            # equilibrium entropy: (1/N) log #solutions versus s(alpha) at the instance's alpha = M/N
            logs = np.array([math.log(u["n_solutions"]) / N_en if u["n_solutions"] else -math.inf
                             for u in en_units])
            a_act = en_units[0]["alpha_actual"]
            from ..storage.cache import cached

            def s_at(a_act=a_act, s=s):
                from ..problems.equilibrium import solve_equilibrium

                r = solve_equilibrium(s, a_act)
                return {"s": r.value, "converged": bool(r.converged)}

            th_s = cached(cache, {"kind": "entropy_point", "states": s, "alpha": float(a_act)}, s_at)
            if not th_s["converged"]:
                failures.append(f"s(α={a_act}) {s}")
            fin = logs[np.isfinite(logs)]
            enum_rows.append({"states": s, "N": N_en, "M": en_units[0]["M"], "alpha": a_act,
                              "n_instances": len(logs), "n_with_solutions": len(fin),
                              "mean_log_count_over_N": fin.mean() if len(fin) else math.nan,
                              "stderr": fin.std(ddof=1) / math.sqrt(len(fin)) if len(fin) > 1 else math.nan,
                              "s_theory": th_s["s"]})
        panels_fig.append(panel)
    if simulate:
        csv_out("local_entropy_sim.csv", sim_rows,
                f"simulation local entropy (nats/synapse), squared distance; mean +- standard error over "
                f"instances; instance i uses seed {SEED0}+i; bp_rbp: BP Legendre transform around reinforced-BP "
                f"solutions (default gamma sweep); enum_typical / enum_densest: exact (1/N) log count around a "
                f"uniformly drawn / the densest solution (distances with a count > 0 in every instance)")
        csv_out("enumeration_entropy.csv", enum_rows,
                "(1/N) log #solutions by exhaustive enumeration vs the RS entropy s(alpha) at alpha = M/N")
        csv_out("comparison.csv", cmp_rows,
                "theory vs simulation: mean |dS| over simulation points in the theory's d range; mean_dS signed "
                "(simulation - theory); within_2se = points with |dS| <= 2 standard errors; 'between' rows: dS = "
                "distance from the band [Franz-Parisi, y -> inf] (0 inside), mean_dS = S - (y -> inf)")
    save(plots.local_entropy_figure(panels_fig), "local_entropy")

    # 4b. the y → ∞ equations against finite-y ladders (numerics.analyses.ladder_check): opt-in, read from the
    #     cache otherwise ------------------------------------------------------------------------------
    checks, n_check_points = [], 0
    if _optional("numerics.analyses.ladder_check", "check_point") is not None:
        from ..analyses.ladder_check import CHECK_POINTS, check_point

        n_check_points = len(CHECK_POINTS)

        if ladder_check:
            lc_guard = _Guard(None, cache)
            bar = Progress(len(CHECK_POINTS), "y -> inf vs finite-y ladders", stream)
            for st, a, d in CHECK_POINTS:
                lc_guard(f"ladder check {st} α={a:g} d={d:g}", check_point, st, a, d, cache=cache)
                bar.step(f"{st} {a:g} {d:g}")
            bar.close()
            guard.errors += lc_guard.errors
        checks = [c for c in (check_point(st, a, d, cache=cache, compute_missing=False) for st, a, d in CHECK_POINTS)
                  if c is not None]
        failures += [f"ladder check {c.states} α={c.alpha:g} d={c.d:g}: {c.message}" for c in checks if not c.agrees]
        if checks:
            csv_out("ladder_check.csv", [{"states": c.states, "alpha": c.alpha, "d": c.d, "S_inf": c.S_inf,
                                          **{f"S_y{y:g}": v for y, v in c.ladder.items()}, "ratio": c.ratio,
                                          "ratio_max": c.ratio_max, "agrees": c.agrees} for c in checks],
                    "y -> inf equations (numerics.problems.large_y) against the finite-y ladder (numerics.analyses.ladder_check): "
                    "ratio = (S_inf - S(15)) / (S(15) - S(10)); agrees: ladder converged and rising, "
                    "S(15) < S_inf, ratio <= ratio_max")

    # 5. report ----------------------------------------------------------------------------------
    L = ["# fewbits report", "", f"Generated by fewbits {__version__} (`fewbits paper{' --quick' if quick else ''}`), "
         f"{time.time() - t_start:.1f} s. Conventions: κ = 0, f_out = ½, bias 0, counting measure, entropies in "
         f"nats per synapse, squared distance.", ""]
    missing += guard.missing
    if guard.errors:
        failures += [f"error: {e}" for e in guard.errors]
    if missing:
        L += ["## Not available in this build", ""] + [f"- {m}" + ("" if NOT_AVAILABLE in m else f": {NOT_AVAILABLE}")
                                                     for m in missing] + [""]
    def grid_txt(g):
        return ", ".join(f"{v:g}" for v in g)

    main_txt = ("the **y → ∞** equations (numerics.problems.large_y; Σ is not given at this order), continued upwards "
                "in d on each panel's own grid, which stops below the end of the branch (table below)"
                if math.isinf(y) else f"finite y = {y:g}")
    L += ["## Theory settings", "",
          f"- Local entropy, main curves (local_entropy figure; `curve` = {'y_inf' if math.isinf(y) else 'y_main'} "
          f"in local_entropy_theory.csv; compared with the BP and densest-enumeration points): {main_txt}. "
          "Squared distance, reference a solution.",
          "- Finite-y curves: " + (f"{', '.join(f'y = {v:g}' for v in cfg['finite_y'])} on d = {grid_txt(ds)} "
                                   "(`curve` = finite_y); they give the external entropy Σ(d) "
                                   "(external_entropy figure, external_entropy.csv) and are drawn there next "
                                   "to the y → ∞ S_I." if cfg["finite_y"] else "none in this mode."),
          f"- Franz–Parisi: the y → 0 limit of the same large-deviation functional, reference at the "
          f"equilibrium saddle point, on d = {grid_txt(ds)}.",
          "- α_U: " + (f"on y → ∞ curves (column 'y used'), for {', '.join(au)} (computed by this run or "
                       "read from its cache)" + ("" if len(au) >= len(TABLE_SETS) else
                                                 "; the other sets of the α_U table: `fewbits paper --alpha-u` "
                                                 "or `fewbits alpha-u --table` (hours; both fill this cache)")
                       if au else
                       "not computed by this job (a scan in α and a bracketing search cost minutes per state "
                       "set); run `fewbits paper --alpha-u` (cached) or `fewbits alpha-u --table`.")]
    if sigma_note:
        L.append(f"- External entropy Σ(d): {sigma_note}.")
    L.append("")
    if math.isinf(y) and th_panels:
        L += ["### y → ∞ curves: where each branch ends", "",
              "A y → ∞ branch ends where its exact slope dS_I/dd = Δ²Ŝ/2 reaches 0+; beyond it there is no "
              "solution, so the curve stops there (its grid is kept below the end). Branch end: where the "
              "slope was measured to reach 0+ (no converged point beyond). S_I cannot exceed the equilibrium "
              "entropy s(α) (no reference has more solutions around it than there are): the curve ends close "
              "to it.", "",
              "| states | α | d grid | curve ends at d | S_I there | s(α) | dS_I/dd there | branch end |",
              "|---|---|---|---|---|---|---|---|"]
        from ..storage.cache import cached

        def s_eq(st, a):
            def compute():
                from ..problems.equilibrium import solve_equilibrium

                r = solve_equilibrium(st, a)
                return {"s": r.value, "converged": bool(r.converged)}

            return cached(cache, {"kind": "entropy_point", "states": st, "alpha": float(a)}, compute)

        for pp in th_panels:
            for a in pp["alphas"]:
                c = theory.get((pp["states"], a, "y", y))
                end = f"d ≈ {pp['branch_end']:g}" if pp.get("branch_end") else "—"
                ok = [k for k, v in enumerate(c["converged"]) if v] if c is not None else []
                eq = s_eq(pp["states"], a)
                s_txt = f"{eq['s']:.5f}" + ("" if eq["converged"] else " (not converged)")
                if ok:
                    k = max(ok, key=lambda k: c["d"][k])
                    sl = (c.get("slope") or [math.nan] * len(c["d"]))[k]
                    L.append(f"| {pp['states']} | {a:g} | {grid_txt(pp.get('ds', ds))} | {c['d'][k]:g} | "
                             f"{c['S_I'][k]:.5f} | {s_txt} | {sl:.3g} | {end} |")
                else:
                    L.append(f"| {pp['states']} | {a:g} | {grid_txt(pp.get('ds', ds))} | no converged point | — | "
                             f"{s_txt} | — | {end} |")
        L.append("")
    L += ["## Capacity α_c and α_U (replica symmetric, κ = 0)", "",
          "| states | L | bits | α_c | q | Q | converged | α_U | α_U interval | y used | α_U converged |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in cap_rows:
        has_u = math.isfinite(_f(r["alpha_U"]))
        L.append(f"| {r['states']} | {r['L']} | {r['bits']:.3f} | {r['alpha_c']:.6f} | {r['q']:.5f} | "
                 f"{r['Q']:.5f} | {'yes' if r['converged'] else 'NO'} | "
                 + (f"{'≤ ' if r.get('alpha_U_upper_bound') is True else ''}{r['alpha_U']:.4f} | "
                    f"[{r['alpha_U_lo']:.4f}, {r['alpha_U_hi']:.4f}] | {r['alpha_U_y']:g} | "
                    f"{'yes' if r['alpha_U_converged'] else 'NO'} |" if has_u else "— | — | — | — |"))
    L.append("")
    L += ["## y → ∞ equations against finite-y ladders", ""]
    if checks:
        L += ["At two (α, d) points per state set (numerics.analyses.ladder_check; reference a solution, squared "
              "distance): the ladder y = 3, 4.5, 6.75, 10, 15 must converge and rise with y, and S_I(∞) must lie "
              "above S(15) by at most 2.4 times S(15) − S(10) (ratio 2 for an approach as 1/y, 4.45 as 1/√y).", "",
              "| states | α | d | S_I(∞) | S(10) | S(15) | ratio | agrees |", "|---|---|---|---|---|---|---|---|"]
        for c in checks:
            L.append(f"| {c.states} | {c.alpha:g} | {c.d:g} | {c.S_inf:.5f} | {c.ladder.get(10.0, math.nan):.5f} | "
                     f"{c.ladder.get(15.0, math.nan):.5f} | {c.ratio:.2f} | {'yes' if c.agrees else 'NO'} |")
        if len(checks) < n_check_points:
            L.append(f"\n{len(checks)} of {n_check_points} points are in the cache; "
                     "`fewbits paper --ladder-check` or `fewbits ladder-check` computes the rest.")
    elif n_check_points:
        L.append(f"Not computed by this job (one to three minutes per point, {n_check_points} points): run "
                 "`fewbits paper --ladder-check` or `fewbits ladder-check` (both fill this cache).")
    else:
        L.append(f"numerics.analyses.ladder_check: {NOT_AVAILABLE}.")
    L.append("")
    if simulate:
        L += ["## Equilibrium entropy: enumeration vs theory", "",
              "(1/N) log #solutions, mean ± standard error over instances, against the RS s(α) at α = M/N "
              "(finite-N corrections of order 1/N are expected; no tolerance is imposed).", "",
              "| states | N | M | α | instances (with solutions) | (1/N) log #sol | s(α) theory | Δ |",
              "|---|---|---|---|---|---|---|---|"]
        for r in enum_rows:
            L.append(f"| {r['states']} | {r['N']} | {r['M']} | {r['alpha']:.4f} | {r['n_instances']} "
                     f"({r['n_with_solutions']}) | {r['mean_log_count_over_N']:.4f} ± {r['stderr']:.4f} | "
                     f"{r['s_theory']:.4f} | {r['mean_log_count_over_N'] - r['s_theory']:+.4f} |")
        L += ["", "## Local entropy: theory vs simulation", "",
              "Mean ± standard error over instances; ΔS = simulation − theory interpolated at the simulated d "
              "(converged theory points only, inside the theory's d range). Tolerance reported, not imposed: "
              "points within 2 standard errors.", "",
              "The y → ∞ curve is the local entropy of the *densest* references, an upper bound for any "
              "reference; the Franz–Parisi curve that of typical solutions. A solution found by reinforced BP "
              "is a reference of neither kind, so its BP local entropy is expected between the two: the row "
              "\"between Franz–Parisi and local entropy y → ∞\" measures ΔS as the distance from that band (0 "
              "inside) and counts the points inside it within 2 SE; its signed column is S − (y → ∞).", "",
              "| states | α | simulation | N | instances | theory | points compared | mean abs ΔS | max abs ΔS | "
              "mean ΔS (signed) | within 2 SE |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in cmp_rows:
            if r["n_points"]:
                L.append(f"| {r['states']} | {r['alpha']} | {r['simulation']} | {r['N']} | {r['n_instances']} | "
                         f"{r['theory']} | {r['n_points']} | {r['mean_abs_dS']:.4f} | {r['max_abs_dS']:.4f} | "
                         f"{r['mean_dS']:+.4f} | {r['within_2se']}/{r['n_points']} |")
            else:
                L.append(f"| {r['states']} | {r['alpha']} | {r['simulation']} | {r['N']} | {r['n_instances']} | "
                         f"{r['theory']} | 0 | — | — | — | — |")
        L.append("")
    if notes:
        L += ["## Simulation notes", ""] + [f"- {n}" for n in notes] + [""]
    L += ["## Convergence", ""]
    if failures:
        L += [f"{len(failures)} theory quantities did NOT converge or failed (non-converged points are drawn "
              "hollow; exit status 1):", ""]
        L += [f"- {f}" for f in failures[:200]] + ([f"- … and {len(failures) - 200} more"] if len(failures) > 200 else [])
    else:
        L.append("Every theory quantity written converged.")
    L += ["", "## Files", ""] + sorted({f"- `{Path(p).name}`" for p in written}) + ["- `report.md`", ""]
    write_atomic(out / "report.md", "\n".join(L) + "\n")
    print(f"wrote {len(written) + 1} files into {out} ({time.time() - t_start:.1f} s)"
          + (f"; {len(failures)} theory quantities not converged" if failures else ""), flush=True)
    return 1 if failures else 0
