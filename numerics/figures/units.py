"""The cached computational units of the main job: one α_c, one entropy curve, one local-entropy curve,
one α_U, one simulated instance.  Each is cached on disk separately (:mod:`numerics.storage.cache`),
keyed by all its parameters, so a second run is fast and an interrupted run resumes.

Theory units run under a :class:`Guard`: a theory module that is not importable in this build is
reported as not available, any other exception (or a unit over its time limit, :class:`UnitTimeout`) is
recorded as an error; neither stops the job.

Simulation seeds: instance ``i`` uses ``seed = SEED0 + i`` for :func:`numerics.simulate.instances.generate`,
the solver seed ``i`` and the typical-solution draw seed ``i``.
"""
from __future__ import annotations

import importlib
import math
import time
from pathlib import Path

import numpy as np

from .config import NOT_AVAILABLE, SEED0, finite_ys
from .output import to_float

__all__ = ["Guard", "UnitTimeout", "optional", "capacity_table", "entropy_curve_unit", "entropy_grid",
           "entropy_point_unit", "local_entropy_unit", "franz_parisi_unit", "alpha0_unit", "alpha_u_unit",
           "story_alphas", "fp_distances", "dense_region_plan", "dense_set_unit",
           "bp_instance_unit", "bp_finite_size_unit", "enum_instance_unit", "unit_plan", "prefetch_units"]


# ------------------------------------------------------------------------------------------ the guard
def optional(module: str, name: str):
    """``module.name`` if importable, else None (the part is then reported as not available)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


class UnitTimeout(Exception):
    """A theory unit exceeded its time limit (reported as an error; nothing cached, so a later run with a
    larger ``--unit-timeout`` resumes it)."""


class Guard:
    """Runs theory units; an ImportError inside (a module still landing) marks the part as not available,
    any other exception is recorded as an error (the part is omitted, the exit status becomes 1)."""

    def __init__(self, timeout=None, cache=None):
        self.missing, self.errors = [], []
        self.timeout = timeout  # seconds per unit (SIGALRM, main thread on Unix); None = no limit
        self.cache = cache  # where time-outs are remembered, so a rerun with the same limit is fast

    def _timed_out_before(self, what, tkey) -> bool:
        """True (and the error recorded) when this unit timed out earlier with a limit ≥ this one."""
        from ..storage import cache as _cache

        if self.timeout and self.cache is not None:
            hit, rec = _cache.load(self.cache, tkey)
            if hit and rec["limit"] >= self.timeout:
                self.errors.append(f"{what}: timed out earlier with a limit of {rec['limit']:g} s "
                                   "(rerun with a larger --unit-timeout)")
                return True
        return False

    def __call__(self, what, fn, *a, **kw):
        import signal
        import threading
        import warnings

        from ..storage import cache as _cache

        tkey = {"kind": "timeout", "what": what, "args": repr(a[:-1] if a and isinstance(a[-1], Path) else a)}
        if self._timed_out_before(what, tkey):
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


# ------------------------------------------------------------------------------------------ theory units
def capacity_table(state_sets, progress=None, cache=None):
    """α_c (root of s(α) = 0, replica symmetric, κ = 0, f_out = ½, bias 0) for each state set: a list of
    dicts (states, L, bits = log2 L, alpha_c, q, Q, converged, residual).  ``progress(i, n, name)`` is
    called after each set."""
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


def entropy_point_unit(states: str, alpha: float, cache=None) -> dict:
    """The RS equilibrium entropy s(α) at one α (:func:`numerics.problems.equilibrium.solve_equilibrium`),
    cached: ``{"s": value, "converged": bool}``."""
    from ..storage.cache import cached

    def compute():
        from ..problems.equilibrium import solve_equilibrium

        r = solve_equilibrium(states, alpha)
        return {"s": r.value, "converged": bool(r.converged)}

    return cached(cache, {"kind": "entropy_point", "states": states, "alpha": float(alpha)}, compute)


def _curve_dict(c) -> dict:
    """A local-entropy curve result as plain lists (d, S_I, Sigma, phi, converged, residual, y, alpha;
    at y → ∞ also the exact slope dS_I/dd), every per-point field of length len(d)."""
    def arr(name):
        v = getattr(c, name, None)
        if v is None:
            return None
        return np.asarray(v, dtype=float).tolist()

    d = arr("d")
    conv = getattr(c, "converged", None)
    conv = np.broadcast_to(np.asarray(conv if conv is not None else True, dtype=bool), (len(d),)).tolist()
    out = {"d": d, "S_I": arr("S_I"), "Sigma": arr("Sigma"), "phi": arr("phi"), "converged": conv,
           "residual": arr("residual"), "y": to_float(getattr(c, "y", math.nan)),
           "alpha": to_float(getattr(c, "alpha", math.nan))}
    n = len(d)
    if math.isinf(out["y"]) and getattr(c, "points", None):
        # y → ∞: the exact slope dS_I/dd at each point (→ 0+ at the end of the branch)
        slope = optional("numerics.problems.large_y", "slope")
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
    fn = optional("numerics.problems.local_entropy", "local_entropy_curve")
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
    """The Franz–Parisi curve (y → 0, reference at the equilibrium saddle point), squared distance, cached;
    None when the module is not in this build."""
    fn = optional("numerics.problems.franz_parisi", "franz_parisi_curve")
    if fn is None:
        return None
    from ..storage.cache import cached

    key = {"kind": "franz_parisi", "states": states, "alpha": float(alpha), "ds": [float(x) for x in ds],
           "distance": "squared"}
    v = cached(cache, key, lambda: _curve_dict(fn(states, float(alpha), np.asarray(ds, float), distance="squared")))
    v["states"] = states
    return v


def alpha_c_by_name(capacity_rows: list, state_sets, cache=None) -> dict:
    """α_c of each state set's name: from ``capacity_rows`` (the capacity part's rows, keyed by name),
    computed by :func:`capacity_table` for the sets not in them."""
    from theory.states import parse_states

    ac = {r["states"]: r["alpha_c"] for r in capacity_rows}
    missing = [s for s in state_sets if parse_states(s).name not in ac]
    for r in capacity_table(missing, cache=cache):
        ac[r["states"]] = r["alpha_c"]
    return ac


# the probe of a branch's end (a cold y → ∞ call past it names the largest d where its path converged)
# and the fraction of that end where the dense-region curves stop (the slope → 0+ at the end itself)
END_PROBE_D = 0.45
END_FRACTION = 0.97


def dense_curve_unit(states, alpha, d_min, n, cache=None):
    """The y → ∞ curve of the dense-region figure, cached: the end of the branch (``largest_converged_d``
    of :func:`numerics.problems.large_y.walk_to_branch_end` towards d = :data:`END_PROBE_D`, past it: a
    path upwards from the anchor d = 0.06; the end, or a lower bound of it), then ``n`` distances spaced
    geometrically from ``d_min`` to :data:`END_FRACTION` of it, continued downwards
    (:func:`numerics.problems.large_y.large_y_curve`, ``sweep="down"``).  The dict of :func:`_curve_dict`
    with ``branch_end``."""
    from ..problems.large_y import large_y_curve, walk_to_branch_end
    from ..storage.cache import cached

    key = {"kind": "dense_curve", "states": states, "alpha": float(alpha), "d_min": float(d_min), "n": int(n),
           "y": math.inf, "sweep": "down", "end_probe": END_PROBE_D, "end_walk": "from the anchor",
           "end_fraction": END_FRACTION}

    def compute():
        probe = walk_to_branch_end(states, float(alpha), END_PROBE_D)
        end = END_PROBE_D if probe.converged else float(probe.largest_converged_d)
        if not math.isfinite(end) or end <= d_min / END_FRACTION:
            raise ValueError(f"no branch end found for {states} at alpha = {alpha:g} ({probe.note[-160:]})")
        ds = np.geomspace(float(d_min), END_FRACTION * end, int(n))
        v = _curve_dict(large_y_curve(states, float(alpha), ds, sweep="down"))
        v["branch_end"] = end
        return v

    v = cached(cache, key, compute)
    v["states"] = states
    return v


def story_alphas(alpha_c: float, fractions) -> list:
    """The loads of one set in the dense-region figure: ``fractions`` of its α_c, rounded to 3 decimals
    (binary: 0.5, 0.6, 0.7)."""
    return [round(f * alpha_c, 3) for f in fractions]


def fp_distances(cfg_dense: dict):
    """The distances of the dense-region figure's Franz–Parisi curve: ``fp_points`` from d_min to 0.3,
    log-spaced."""
    return np.geomspace(cfg_dense["d_min"], 0.3, cfg_dense["fp_points"])


def dense_region_plan(cfg_dense: dict, alpha_c: dict, cache) -> list:
    """The units of the dense-region figure as ``(name, args, kwargs)``: one :func:`dense_set_unit` per set
    (``alpha_c``: α_c by set name), whose curves :mod:`numerics.figures.dense_regions` then reads back
    from ``cache``."""
    from theory.states import parse_states

    plan = []
    for s in (cfg_dense or {}).get("sets", []):
        name = parse_states(s).name
        plan.append(("dense_set", (name, story_alphas(alpha_c[name], cfg_dense["fractions"]), cfg_dense, str(cache)),
                     {}))
    return plan


def dense_set_unit(name: str, alphas: list, cfg_dense: dict, cache=None) -> None:
    """One set of the dense-region figure, in the order the figure's part takes it: the y → ∞ curves at
    ``alphas`` (ascending, each continued from the points of the smaller loads in the path memo), then
    the Franz–Parisi curve at the middle load.  Run as one task: a curve at 0.84 α_c started cold, with an
    empty memo, can take minutes where the same curve after its smaller loads takes seconds."""
    for a in alphas:
        dense_curve_unit(name, a, cfg_dense["d_min"], cfg_dense["points"], cache)
    if cfg_dense.get("fp_points"):
        franz_parisi_unit(name, alphas[len(alphas) // 2], fp_distances(cfg_dense), cache)


def alpha0_unit(states, ds):
    """The α = 0 curve (an upper bound on S_I), squared distance; None when not in this build."""
    fn = optional("numerics.problems.local_entropy", "alpha0_curve")
    if fn is None:
        return None
    return {"d": [float(x) for x in ds], "S_I": np.asarray(fn(states, np.asarray(ds, float), distance="squared"),
                                                         float).tolist()}


def alpha_u_unit(states, cache=None, compute_missing=True):
    """α_U of one state set (numerics.analyses.alpha_u at its default y and window), cached under the key of
    :func:`numerics.analyses.alpha_u.alpha_u_cache_key` (shared with ``fewbits alpha-u --table --cache``).
    With ``compute_missing=False`` only a cached result is returned (None when there is none)."""
    if optional("numerics.analyses.alpha_u", "alpha_u") is None:
        return None
    from ..analyses.alpha_u import cached_alpha_u

    return cached_alpha_u(states, cache, compute_missing=compute_missing)


def radius_unit(states, cache=None, compute_missing=True):
    """The radius curve α(d) of one state set (:func:`numerics.analyses.radius.cached_radius_curve` at
    :data:`~numerics.analyses.radius.RADIUS_DISTANCES`): a list of rows, cached beside α_U.  With
    ``compute_missing=False`` only a cached curve is returned (None when there is none)."""
    if optional("numerics.analyses.radius", "radius_curve") is None:
        return None
    from ..analyses.radius import cached_radius_curve

    return cached_radius_curve(states, cache, compute_missing=compute_missing)


# ------------------------------------------------------------------------------------------ simulation units
def _bp_around_rbp_solution(states, N, alpha, i, form: str, max_time: float) -> dict:
    """Instance ``SEED0 + i`` solved by reinforced BP (``form`` full or relaxed, seed i), then the relaxed-BP
    local entropy F(d) around its solution (default γ sweep): the fields the BP units store."""
    from theory.states import parse_states

    from ..simulate import instances, solvers
    from ..simulate.relaxed_bp import relaxed_local_entropy_sweep

    inst = instances.generate(parse_states(states), N=N, alpha=alpha, seed=SEED0 + i)
    t0 = time.perf_counter()
    sol = solvers.solve(inst, "rbp", seed=i, max_time=max_time, form=form)
    out = {"M": inst.M, "alpha_actual": inst.alpha, "solved": bool(sol.solved), "errors": int(sol.errors),
           "solver_iterations": int(sol.iterations), "gamma": [], "d": [], "F": [], "converged": []}
    if sol.solved:
        res = relaxed_local_entropy_sweep(inst, sol.W, distance="squared")
        out.update(gamma=[r.gamma for r in res], d=[r.d for r in res], F=[r.F for r in res],
                   converged=[bool(r.converged) for r in res])
    out["elapsed"] = time.perf_counter() - t0
    return out


def bp_instance_unit(states, N, alpha, i, cache=None):
    """One instance: reinforced BP solution, then the BP local entropy F(d) around it (default γ sweep), by
    the relaxed BP (:mod:`numerics.simulate.relaxed_bp`: 0.2 s where the full BP took 21 s, binary
    N = 1005; F within 5e-4 of the full BP's at every coupling)."""
    from ..storage.cache import cached

    return cached(cache, {"kind": "sim_bp_rbp", "states": states, "N": int(N), "alpha": float(alpha),
                          "seed": SEED0 + i, "solver": "rbp", "solver_seed": i, "distance": "squared",
                          "gammas": "default", "bp": "relaxed"},
                  lambda: _bp_around_rbp_solution(states, N, alpha, i, "full", 60.0))


def bp_finite_size_unit(states, N, alpha, i, cache=None):
    """One instance of the BP finite-size series (:mod:`numerics.figures.finite_size`): reinforced BP on the
    relaxed form, then the relaxed-BP local entropy F(d) around its solution (default γ sweep); the same
    fields as :func:`bp_instance_unit`."""
    from ..storage.cache import cached

    return cached(cache, {"kind": "sim_bp_relaxed", "states": states, "N": int(N), "alpha": float(alpha),
                          "seed": SEED0 + i, "solver": "rbp-relaxed", "solver_seed": i, "distance": "squared",
                          "gammas": "default", "bp": "relaxed"},
                  lambda: _bp_around_rbp_solution(states, N, alpha, i, "relaxed", 120.0))


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


# ------------------------------------------------------------------------------------------ on a cluster
def _unit_task(name: str, args: tuple, kw: dict):
    """One unit as a Dask task: ``(name, None)`` when it ran (its value is in the cache), or
    ``(name, error text)`` — the serial pass then meets the unit again under the :class:`Guard`."""
    import warnings

    from ..problems.large_y_path import MEMO

    MEMO.clear()  # a unit does not depend on what the worker computed before
    fn = {"capacity": capacity_table, "local_entropy": local_entropy_unit, "franz_parisi": franz_parisi_unit,
          "alpha_u": alpha_u_unit, "radius": radius_unit, "bp": bp_instance_unit, "enum": enum_instance_unit,
          "bp_fs": bp_finite_size_unit,
          "entropy_curve": entropy_curve_unit, "dense_set": dense_set_unit}.get(name)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow/invalid inside saddle iterations are the solver's business (as in Guard); a
            # CacheWarning (an unreadable entry, an unwritable folder) still reaches the user
            warnings.simplefilter("ignore", RuntimeWarning)
            if name == "ladder":
                from ..analyses.ladder_check import check_point
                fn = check_point
            fn(*args, **kw)
        return name, None
    except Exception as exc:  # noqa: BLE001 - reported by the serial pass, which reruns the unit
        return name, f"{type(exc).__name__}: {exc}"
    finally:
        from ..analyses.sweep.execute import release_memory

        MEMO.clear()  # nor does the worker keep the unit's points
        release_memory()


def unit_plan(cfg: dict, cache, alpha_u: bool = False, ladder_check: bool = False, simulate: bool = True) -> list:
    """The main job's independent units as ``(name, args, kwargs)``: α_c per set, every local-entropy and
    Franz–Parisi curve of the theory panels, α_U and the radius curve, the ladder checks (opt-in) and the
    simulated instances — what the parts then read back from ``cache``.  (The entropy curves need α_c
    first: a second wave.)"""
    from theory.states import parse_states

    from ..analyses.alpha_u import TABLE_SETS

    c = str(cache)
    au_sets = list(dict.fromkeys(list(cfg["alpha_u_sets"]) + (list(TABLE_SETS) if alpha_u else [])))
    sets = dict.fromkeys(parse_states(s).name for s in cfg["capacity_sets"] + cfg["entropy_sets"] + au_sets)
    plan = [("capacity", ([s],), {"cache": c}) for s in sets]
    for p in (p for p in cfg["panels"] if p.get("theory", True)):
        for a in p["alphas"]:
            plan.append(("local_entropy", (p["states"], a, cfg["y"], p.get("ds", cfg["ds"]), c), {}))
            plan += [("local_entropy", (p["states"], a, fy, cfg["ds"], c), {})
                     for fy in finite_ys(cfg, p) if a == p["alphas"][0]]
            plan.append(("franz_parisi", (p["states"], a, cfg["ds"], c), {}))
    plan += [("alpha_u", (s, c), {}) for s in au_sets]
    plan += [("radius", (s, c), {}) for s in cfg.get("radius_sets", [])]
    if ladder_check:
        from ..analyses.ladder_check import CHECK_POINTS
        plan += [("ladder", (st, a, d), {"cache": c}) for st, a, d in CHECK_POINTS]
    for p in cfg["panels"] if simulate else []:
        plan += [("bp", (p["states"], p["bp_N"], p["sim_alpha"], i, c), {}) for i in range(cfg["bp_instances"])]
        plan += [("enum", (p["states"], p["enum_N"], p["sim_alpha"], i, c), {}) for i in range(cfg["enum_instances"])]
    for fs in (cfg.get("bp_finite_size") or []) if simulate else []:
        plan += [("bp_fs", (fs["states"], N, fs["alpha"], i, c), {}) for N in fs["Ns"] for i in range(fs["instances"])]
    return sorted(plan, key=lambda u: u[0] not in ("alpha_u", "radius", "ladder"))  # the long ones first


def _done_key(unit) -> dict:
    name, args, kw = unit
    return {"kind": "unit_done", "unit": name, "args": repr(args), "kw": repr(sorted(kw.items()))}


def _done(cache, unit) -> bool:
    """True when an earlier prefetch ran ``unit`` to the end into ``cache`` (its marker, keyed by the unit's
    arguments and the package version, :mod:`numerics.storage.cache`).  A marker whose result was deleted
    since costs nothing wrong: the serial pass computes that result in this process."""
    from ..storage.cache import load

    return load(cache, _done_key(unit))[0]


def _mark_done(cache, unit) -> list:
    from ..storage.cache import store

    store(cache, _done_key(unit), True)
    return []


def prefetch_units(job, scheduler, workers=None, alpha_u: bool = False, ladder_check: bool = False,
                   simulate: bool = True) -> list:
    """Compute the main job's units on ``scheduler`` (``"local"``, a Dask address, ``"none"``; the
    same path as ``fewbits sweep``, :mod:`numerics.analyses.sweep`) into the job's cache, so that the
    parts then read them back.  Two waves: the dense-region chains (:func:`dense_region_plan`; the α_c
    of their sets computed here first) and every independent unit (:func:`unit_plan`), then the entropy
    curves (their grids need α_c).  Units an earlier run finished (:func:`_done`) are left out, and when
    none is left no cluster is started.  Units on the cluster run without the unit time limit.  Returns
    the errors (the serial pass meets those units again under the guard and reports them)."""
    from theory.states import parse_states

    from ..analyses.sweep import map_tasks, open_client

    cfg, errors = job.cfg, []
    needs = [("numerics.problems.equilibrium", "derived", ()), ("numerics.problems.large_y", "derived_large_y", ("squared",))]
    dense = cfg.get("dense_regions") or {}
    # α_c of the dense-region sets here first (seconds): their chains of curves, the longest tasks
    # (minutes each), then start at the front of the first wave instead of after it
    dense_ac = {r["states"]: r["alpha_c"] for r in
                capacity_table(list(dict.fromkeys(parse_states(s).name for s in dense.get("sets", []))), cache=job.cache)}
    plan = [u for u in dense_region_plan(dense, dense_ac, job.cache) +
            unit_plan(cfg, job.cache, alpha_u, ladder_check, simulate) if not _done(job.cache, u)]
    wanted = dict.fromkeys(parse_states(s).name for s in cfg["entropy_sets"])

    def second_wave():
        ac = {r["states"]: r["alpha_c"] for r in capacity_table(list(wanted), cache=job.cache)}
        return [u for u in (("entropy_curve", (s, entropy_grid(ac[s], cfg["entropy_points"]), str(job.cache)), {})
                            for s in wanted) if not _done(job.cache, u)]

    if not plan and not second_wave():  # everything is in the cache: no cluster to start
        return errors
    with open_client(scheduler, workers) as client:
        with job.bar(len(plan), "units (cluster)") as bar:
            for i, (name, err) in map_tasks(_unit_task, plan, client, warm=needs, label="paper-unit"):
                errors += [f"{name}: {err}"] if err else _mark_done(job.cache, plan[i])
                bar.update(1)
        wave2 = second_wave()
        with job.bar(len(wave2), "units needing alpha_c (cluster)") as bar:
            for i, (name, err) in map_tasks(_unit_task, wave2, client, label="paper-wave2"):
                errors += [f"{name}: {err}"] if err else _mark_done(job.cache, wave2[i])
                bar.update(1)
    return errors
