"""Sub-commands of ``fewbits`` for single-instance simulations.

``fewbits instance new``  random instance -> .npz
``fewbits enumerate``     exhaustive enumeration (small N); optional uniform sample / densest solution
``fewbits bp-entropy``    BP local entropy around a reference (exit 1 when a point did not converge)
``fewbits solve``         find a solution (rbp, fbp, cpr, edmc, sa)

``solve`` writes ``-o FILE.npy`` (state values, float64) when the configuration found stores every
pattern (re-checked independently) and exits 0; otherwise it writes the best configuration it found to
``FILE.failed-<E>errors.npy`` (E patterns not stored), says so on stderr and exits 1.  No command
overwrites an existing file without ``--force``; output folders are checked before the work starts.
"""
from __future__ import annotations

import argparse
import inspect
import math
import os
import sys

import numpy as np

__all__ = ["register", "failed_name", "SOLVER_SETTINGS"]

MAX_PATTERN_ENTRIES = 10 ** 8  # M x N of an instance (int8; BP needs 8 L bytes per entry)


def _number(name, text, lo=None, hi=None, lo_open=False, hi_open=False, integer=False):
    """``text`` as a finite number (an integer with ``integer``) in the given range; errors name the option
    and the allowed range."""
    kind = "an integer" if integer else "a number"
    lo_b, hi_b = ("(" if lo_open else "[") if lo is not None else "(", (")" if hi_open else "]") if hi is not None else ")"
    rng = f"{lo_b}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}{hi_b}"
    try:
        v = int(text) if integer else float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {kind} in {rng}, got {text!r}") from None
    if not math.isfinite(v) or (lo is not None and (v < lo or (lo_open and v == lo))) \
            or (hi is not None and (v > hi or (hi_open and v == hi))):
        raise ValueError(f"{name}: must be {kind} in {rng}, got {text}")
    return v


def _emit(obj, as_json: bool, text: str):
    if as_json:
        from numerics.cli import dump_json

        print(dump_json(obj))
    else:
        print(text)


def _show_progress(args) -> bool:
    """``--progress``/``--no-progress``; by default on when stderr is a terminal."""
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


# -- instance new ------------------------------------------------------------------------------


def _cmd_instance_new(args) -> int:
    """Validate like the theory (N >= 1, alpha >= 0, kappa >= 0, f_out in (0, 1)), check -o, then generate."""
    from theory.states import StateSet

    from . import check_output_file
    from ..simulate.instances import generate, save_instance

    try:
        states = StateSet.parse(args.states)
    except ValueError as exc:
        raise ValueError(f"--states: {exc}") from None
    N = _number("--N", args.N, lo=1, integer=True)
    alpha = _number("--alpha", args.alpha, lo=0.0)
    if round(alpha * N) * N > MAX_PATTERN_ENTRIES:
        raise ValueError(f"--alpha, --N: M x N = round(alpha N) N must be at most {MAX_PATTERN_ENTRIES:.0e} "
                         f"(got alpha={alpha:g}, N={N})")
    seed = _number("--seed", args.seed, lo=0, hi=2 ** 63 - 1, integer=True)
    if args.inputs not in ("pm1", "01"):
        raise ValueError(f"--inputs: must be pm1 or 01, got {args.inputs!r}")
    f = _number("--f", args.f, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    fout = _number("--fout", args.fout, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    kappa = _number("--kappa", args.kappa, lo=0.0)
    bias = _number("--bias", args.bias)
    threshold = None if args.threshold is None else _number("--threshold", args.threshold)
    if threshold is not None and args.inputs != "01":
        raise ValueError("--threshold: only for --inputs 01 (use --bias for +-1 inputs)")
    check_output_file(args.output, "-o", force=args.force)
    inst = generate(states, N, alpha, seed, inputs=args.inputs, f=f, kappa=kappa, f_out=fout, bias=bias,
                    threshold=threshold)
    save_instance(inst, args.output, force=args.force)
    info = {"file": args.output, "N": inst.N, "M": inst.M, "alpha": inst.alpha, "states": inst.states.name,
            "input_model": inst.input_model, "kappa": inst.kappa, "bias": inst.bias,
            "threshold": inst.threshold, "f": inst.f, "f_out": inst.f_out, "seed": inst.seed}
    _emit(info, args.json, f"wrote {args.output}: N={inst.N} M={inst.M} states={inst.states.name} "
                           f"inputs={inst.input_model} seed={inst.seed}")
    return 0


def _cmd_instance_missing(args) -> int:
    raise ValueError("instance: missing action (use: fewbits instance new ...)")


# -- enumerate ---------------------------------------------------------------------------------


def _enumerate_checks(args):
    """Options that would be ignored are errors; outputs are checked before the enumeration."""
    from . import check_output_file

    if args.distance is not None and not (args.reference or args.save_densest):
        raise ValueError("--distance: used only with --reference (the histogram) or --save-densest; "
                         "give one of them, or drop --distance")
    for opt, val in (("--n-sample", args.n_sample), ("--seed", args.seed)):
        if val is not None and not args.save_sample:
            raise ValueError(f"{opt}: used only with --save-sample FILE; give it, or drop {opt}")
    n_sample = 1 if args.n_sample is None else _number("--n-sample", args.n_sample, lo=1, integer=True)
    seed = 0 if args.seed is None else _number("--seed", args.seed, lo=0, hi=2 ** 63 - 1, integer=True)
    for opt, path in (("--save-sample", args.save_sample), ("--save-densest", args.save_densest)):
        if path:
            check_output_file(path, opt, force=args.force)
    if args.save_sample and args.save_densest and os.path.abspath(args.save_sample) == os.path.abspath(args.save_densest):
        raise ValueError("--save-sample, --save-densest: give two different files")
    return n_sample, seed


def _cmd_enumerate(args) -> int:
    from ..simulate.distances import check_distance
    from ..simulate.enumeration import densest_by_neighbours, enumerate_solutions, sample_solutions
    from ..simulate.instances import atomic_save_npy, load_configuration, load_instance

    inst = load_instance(args.file)
    distance = check_distance(args.distance or "squared")
    n_sample, seed = _enumerate_checks(args)
    ref = load_configuration(args.reference, inst) if args.reference else None
    keep = bool(args.save_sample or args.save_densest)
    res = enumerate_solutions(inst, reference=ref, distance=distance, keep=keep)
    out = {"n_solutions": res.n_solutions, "N": inst.N, "M": inst.M, "states": inst.states.name,
           "elapsed_s": res.elapsed}
    if ref is not None:
        out["distance"] = distance
        out["reference_is_solution"] = inst.is_solution(ref)
        out["distances"] = res.distances.tolist()
        out["counts"] = res.counts.tolist()
        out["totals"] = [int(t) if isinstance(t, (int, np.integer)) else float(t) for t in res.totals]
    if keep and res.n_solutions == 0:
        raise ValueError(f"{args.file}: the instance has no solution; nothing to sample or save")
    if args.save_sample:
        W = sample_solutions(res, inst.states, n_sample, seed)
        atomic_save_npy(args.save_sample, W[0] if n_sample == 1 else W, force=args.force)
        out["sample_file"] = args.save_sample
    if args.save_densest:
        dens = densest_by_neighbours(res, inst.states, distance=distance)
        atomic_save_npy(args.save_densest, dens.W, force=args.force)
        out["densest"] = {"file": args.save_densest, "radius": dens.radius, "n_within": dens.n_within,
                          "mean_n_within": dens.mean_within}
    text = f"{res.n_solutions} solutions (N={inst.N}, M={inst.M}, {res.elapsed:.2f} s)"
    if ref is not None:
        text += "\n" + "\n".join(f"d={d:.6f} count={c}" for d, c in zip(res.distances, res.counts) if c)
    _emit(out, args.json, text)
    return 0


# -- bp-entropy --------------------------------------------------------------------------------


def _parse_gammas(text):
    """``--gammas``: comma- or space-separated finite couplings >= 0; an empty entry is an error."""
    if text is None:
        return None
    items = [t.strip() for t in text.replace(" ", ",").split(",")] if "," in text else text.split()
    if not any(items):
        raise ValueError("--gammas: empty list; give couplings >= 0 separated by commas, e.g. 0,1,2")
    out = []
    for j, t in enumerate(items, 1):
        if not t:
            raise ValueError(f"--gammas: entry {j} of {text!r} is empty; give couplings >= 0 separated by "
                             "single commas")
        try:
            g = float(t)
        except ValueError:
            raise ValueError(f"--gammas: expected numbers >= 0 separated by commas, got {t!r} in {text!r}") from None
        if not (math.isfinite(g) and g >= 0):
            raise ValueError(f"--gammas: couplings must be finite and >= 0, got {t}")
        out.append(g)
    return out


def _cmd_bp_entropy(args) -> int:
    from ..simulate.bp import local_entropy_sweep
    from ..simulate.relaxed_bp import relaxed_local_entropy_sweep
    from ..simulate.distances import check_distance
    from ..simulate.instances import load_configuration, load_instance

    inst = load_instance(args.file)
    check_distance(args.distance)
    ref = load_configuration(args.reference, inst)
    gammas = _parse_gammas(args.gammas)
    max_iter = _number("--max-iter", args.max_iter, lo=1, integer=True)
    tol = _number("--tol", args.tol, lo=0.0, lo_open=True)
    damping = _number("--damping", args.damping, lo=0.0, hi=1.0, hi_open=True)
    if args.form not in ("full", "relaxed"):
        raise ValueError(f"--form: 'full' or 'relaxed', got {args.form!r}")
    if args.form == "relaxed" and inst.input_model != "pm1":
        raise ValueError("--form relaxed: +-1 inputs only; this instance has 0/1 inputs (use --form full, which "
                         "conditions on the sum of the synapses)")
    if args.form == "relaxed":
        sweep = relaxed_local_entropy_sweep(inst, ref, gammas=gammas, distance=args.distance, max_iter=max_iter,
                                            tol=tol, damping=damping)
    else:
        bar = _bar(_show_progress(args), None, "bp-entropy", "coupling")
        sweep = local_entropy_sweep(inst, ref, gammas=gammas, distance=args.distance, max_iter=max_iter,
                                    tol=tol, damping=damping, progress=lambda j, n: bar.step(j, n))
        bar.close()
    pts = [{"gamma": p.gamma, "d": p.d, "F": p.F, "phi": p.phi, "converged": p.converged,
            "iterations": p.iterations, "message": p.message} for p in sweep]
    out = {"points": pts, "N": inst.N, "M": inst.M, "states": inst.states.name, "distance": args.distance,
           "form": args.form,
           "reference_is_solution": inst.is_solution(ref), "converged": all(p.converged for p in sweep)}
    text = "   gamma         d          F  converged\n" + "\n".join(
        f"{p.gamma:8.3f} {p.d:9.5f} {(f'{p.F:10.5f}' if math.isfinite(p.F) else f'{chr(45):>10}')}  "
        f"{'yes' if p.converged else 'NO':>9}" + ("" if p.converged else f"  {p.message[:90]}") for p in sweep)
    _emit(out, args.json, text)
    bad = [p for p in sweep if not p.converged]
    if bad:
        print(f"fewbits bp-entropy: {len(bad)} of {len(sweep)} couplings did not converge: {bad[0].message}",
              file=sys.stderr)
        return 1
    return 0


# -- solve -------------------------------------------------------------------------------------


class _bar:
    """A tqdm bar on stderr (or nothing): ``step(done, total, **postfix)``."""

    def __init__(self, on: bool, total, desc: str, unit: str):
        self.pbar = None
        if on:
            from tqdm import tqdm

            self.pbar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    def step(self, done, total=None, **postfix):
        if self.pbar is None:
            return
        if total is not None and self.pbar.total != total:
            self.pbar.total = total
        self.pbar.update(done - self.pbar.n)
        if postfix:
            self.pbar.set_postfix(postfix, refresh=False)

    def close(self):
        if self.pbar is not None:
            self.pbar.close()


# option -> (solver parameter, check, help); the defaults come from the solvers' signatures
SOLVER_SETTINGS = {
    "--damping": ("damping", dict(lo=0.0, hi=1.0, hi_open=True), "BP damping: weight of the old message"),
    "--r0": ("r0", dict(lo=0.0, hi=1.0), "initial reinforcement r_0"),
    "--dr": ("dr", dict(lo=0.0, hi=1.0), "reinforcement rate: r_t = 1 - (1 - r_0)(1 - dr)^t"),
    "--y0": ("y0", dict(lo=0.0, lo_open=True), "initial number of replicas y (y_t = y0 + dy t)"),
    "--dy": ("dy", dict(lo=0.0), "growth of y per sweep"),
    "--gamma0": ("gamma0", dict(lo=0.0), "initial coupling gamma, in units of the one-step distance"),
    "--dgamma": ("dgamma", dict(lo=0.0), "growth of gamma per iteration (gamma_t = gamma0 + dgamma t)"),
    "--eta": ("eta", dict(lo=0.0, lo_open=True), "learning rate (bins per unit field)"),
    "--theta-m": ("theta_m", dict(lo=0.0), "learning margin above kappa"),
    "--p-s": ("p_s", dict(lo=0.0, hi=1.0), "probability of a consolidation step per update"),
    "--eta-r": ("eta_r", dict(lo=0.0, hi=1.0), "consolidation step towards the bin centre"),
    "--T0": ("T0", dict(lo=0.0, lo_open=True), "initial temperature"),
    "--T1": ("T1", dict(lo=0.0, lo_open=True), "final temperature (geometric cooling T0 -> T1)"),
    "--bp-iter": ("bp_iter", dict(lo=1, integer=True), "BP sweeps per local free-entropy evaluation"),
    "--moves-per-iter": ("moves_per_iter", dict(lo=1, integer=True), "reference moves proposed per iteration"),
    "--coupling-distance": ("distance", None, "distance of the coupling to the centre/reference: squared or hamming"),
    "--bp-form": ("form", ("full", "relaxed"), "full (messages on every edge) or relaxed (AMP form, +-1 inputs: "
                                               "two matrix-vector products a sweep, ~60x faster at N = 4000)"),
}


def _solver_defaults(param: str) -> dict:
    """{algorithm: default} of one solver parameter, read from the solvers' signatures."""
    from ..simulate.solvers import SOLVERS

    out = {}
    for name, fn in SOLVERS.items():
        p = inspect.signature(fn).parameters.get(param)
        if p is not None and p.default is not inspect.Parameter.empty:
            out[name] = p.default
    return out


def _solver_kwargs(args) -> dict:
    """The solver settings given on the command line, checked against the algorithm and their ranges."""
    from ..simulate.distances import check_distance

    kw = {}
    for opt, (param, check, _) in SOLVER_SETTINGS.items():
        text = getattr(args, opt.lstrip("-").replace("-", "_"))
        if text is None:
            continue
        users = _solver_defaults(param)
        if args.algorithm not in users:
            raise ValueError(f"{opt}: a setting of {', '.join(users)}, not of --algorithm {args.algorithm}")
        if check is None:
            try:
                kw[param] = check_distance(text)
            except ValueError:
                raise ValueError(f"{opt}: must be squared or hamming, got {text!r}") from None
        elif isinstance(check, tuple):  # one of a few words
            if text not in check:
                raise ValueError(f"{opt}: must be {' or '.join(check)}, got {text!r}")
            kw[param] = text
        else:
            kw[param] = _number(opt, text, **check)
    if "T0" in kw or "T1" in kw:
        d = _solver_defaults("T0")["sa"], _solver_defaults("T1")["sa"]
        if not kw.get("T1", d[1]) < kw.get("T0", d[0]):
            raise ValueError(f"--T1: must be below --T0 ({kw.get('T0', d[0]):g}), got {kw.get('T1', d[1]):g}")
    return kw


def failed_name(path: str, errors: int) -> str:
    """``sol.npy`` -> ``sol.failed-2errors.npy`` (the best configuration of a run that found no solution);
    ``.1``, ``.2``, ... before the extension when that file exists already."""
    root, ext = os.path.splitext(path)
    ext = ext or ".npy"
    name = f"{root}.failed-{errors}errors{ext}"
    j = 0
    while os.path.lexists(name):
        j += 1
        name = f"{root}.failed-{errors}errors.{j}{ext}"
    return name


def _cmd_solve(args) -> int:
    from . import check_output_file
    from ..simulate.instances import atomic_save_npy, load_instance
    from ..simulate.solvers import SOLVERS, solve

    inst = load_instance(args.file)
    if args.algorithm not in SOLVERS:
        raise ValueError(f"--algorithm: must be one of {', '.join(SOLVERS)}, got {args.algorithm!r}")
    seed = _number("--seed", args.seed, lo=0, hi=2 ** 63 - 1, integer=True)
    max_iter = None if args.max_iter is None else _number("--max-iter", args.max_iter, lo=1, integer=True)
    max_time = None if args.max_time is None else _number("--max-time", args.max_time, lo=0.0, lo_open=True)
    kw = _solver_kwargs(args)
    check_output_file(args.output, "-o", force=args.force)
    n_iter = max_iter or _solver_defaults("max_iter")[args.algorithm]
    bar = _bar(_show_progress(args), n_iter, args.algorithm, "it")
    try:
        res = solve(inst, args.algorithm, seed=seed, max_iter=max_iter, max_time=max_time,
                    progress=lambda it, e: bar.step(it, errors=e), **kw)
    finally:
        bar.close()
    errors = inst.n_errors(res.W)  # independent re-check
    out = {"algorithm": args.algorithm, "solved": errors == 0, "errors": errors, "iterations": res.iterations,
           "elapsed_s": res.elapsed, "message": res.message, "settings": kw, "output": None, "failed_output": None}
    if errors == 0:
        atomic_save_npy(args.output, res.W.astype(np.float64), force=args.force)
        out["output"] = args.output
        _emit(out, args.json, f"{args.algorithm}: solution found in {res.iterations} iterations "
                              f"({res.elapsed:.2f} s); wrote {args.output}")
        return 0
    failed = failed_name(args.output, errors)
    atomic_save_npy(failed, res.W.astype(np.float64))
    out["failed_output"] = failed
    _emit(out, args.json, f"{args.algorithm}: no solution ({errors} of {inst.M} patterns not stored after "
                          f"{res.iterations} iterations, {res.elapsed:.2f} s); {args.output} not written; "
                          f"best configuration in {failed}")
    print(f"fewbits solve: {errors} errors left; no solution, {args.output} not written; the best "
          f"configuration ({errors} errors) is in {failed}", file=sys.stderr)
    return 1


def _solver_help(param: str, text: str) -> str:
    defaults = _solver_defaults(param)
    return f"{', '.join(defaults)}: {text} (default: " + ", ".join(f"{a} {v}" for a, v in defaults.items()) + ")"


class _SolverOption(argparse.Action):
    """A solver setting (stored as given, checked in :func:`_solver_kwargs`); its help lists each solver's
    default, read from the signatures only when --help is shown (so the parser does not import the solvers)."""

    def __init__(self, option_strings, dest, param="", text="", **kwargs):
        self._param, self._text = param, text
        super().__init__(option_strings, dest, **kwargs)

    @property
    def help(self):
        return _solver_help(self._param, self._text)

    @help.setter
    def help(self, value):
        pass

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)


def _progress_option(p) -> None:
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: on when stderr is a terminal)")


def register(subparsers) -> None:
    p = subparsers.add_parser("instance", help="random instances")
    sp = p.add_subparsers(dest="instance_command", metavar="ACTION")
    new = sp.add_parser("new", help="write a random instance (.npz)",
                        description="A random instance (numerics.simulate.instances.generate), validated like the "
                                    "theory: N >= 1, alpha >= 0, kappa >= 0, f_out and f in (0, 1).")
    new.add_argument("--states", required=True, help="binary | symmetric:L | excitatory:L | values:...")
    new.add_argument("--N", required=True, help="number of synapses, >= 1")
    new.add_argument("--alpha", required=True, help="patterns per synapse, >= 0; M = round(alpha N)")
    new.add_argument("--seed", default="0", help="random seed, >= 0")
    new.add_argument("--inputs", default="pm1", help="pm1 (+-1 inputs) or 01 (0/1 inputs)")
    new.add_argument("--f", default="0.5", help="coding level of 0/1 inputs, in (0, 1)")
    new.add_argument("--kappa", default="0", help="stability threshold kappa >= 0")
    new.add_argument("--bias", default="0", help="bias b (+-1 inputs)")
    new.add_argument("--threshold", default=None,
                     help="threshold (0/1 inputs); default f*N*<s> (prior mean of the states)")
    new.add_argument("--fout", default="0.5", help="P(label = +1), in (0, 1)")
    new.add_argument("-o", "--output", required=True, help="the .npz file to write")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument("--json", action="store_true")
    new.set_defaults(func=_cmd_instance_new)
    p.set_defaults(func=_cmd_instance_missing)

    e = subparsers.add_parser("enumerate", help="all solutions of a small instance")
    e.add_argument("file")
    e.add_argument("--reference", default=None, help=".npy configuration: count solutions at each distance")
    e.add_argument("--distance", default=None,
                   help="squared (default) or hamming; with --reference or --save-densest")
    e.add_argument("--save-sample", default=None,
                   help=".npy: uniformly drawn solution(s) (one vector, or n-sample x N)")
    e.add_argument("--n-sample", default=None, help="with --save-sample: number of solutions drawn, >= 1 (default 1)")
    e.add_argument("--seed", default=None, help="with --save-sample: seed of the uniform sampling, >= 0 (default 0)")
    e.add_argument("--save-densest", default=None,
                   help=".npy: the solution with the most solutions within one step (see densest_solution)")
    e.add_argument("--force", action="store_true", help="overwrite existing files")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_enumerate)

    b = subparsers.add_parser("bp-entropy", help="BP local entropy F(d) around a reference",
                              description="BP local entropy F(d) = phi/N + gamma d around a reference "
                                          "(numerics.simulate.bp). Exit 1 when BP did not converge at some "
                                          "coupling, or reached a contradiction (no solution).")
    b.add_argument("file")
    b.add_argument("--reference", required=True, help=".npy configuration (length N, values in the state set)")
    b.add_argument("--gammas", default=None,
                   help="comma-separated couplings >= 0 (default: 0 ... 8 in units of the one-step distance)")
    b.add_argument("--distance", default="squared", help="squared or hamming")
    b.add_argument("--max-iter", default="1000", help="BP sweeps per coupling, >= 1")
    b.add_argument("--tol", default="1e-7", help="convergence: largest change of a marginal, > 0")
    b.add_argument("--damping", default="0.5", help="weight of the old message, in [0, 1)")
    b.add_argument("--form", default="full",
                   help="full (messages on every edge, numerics.simulate.bp) or relaxed (AMP form, two matrix-"
                        "vector products a sweep, numerics.simulate.relaxed_bp; +-1 inputs; ~100x faster at "
                        "N = 1000, F within O(1/N) of the full form)")
    _progress_option(b)
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_cmd_bp_entropy)

    s = subparsers.add_parser("solve", help="find a solution of an instance",
                              description="Find a solution (numerics.simulate.solvers). Exit 0 and -o FILE when "
                                          "one is found; else exit 1 and the best configuration in "
                                          "FILE.failed-<E>errors.npy. Solver settings not given keep the "
                                          "solver's default (listed per algorithm).")
    s.add_argument("file")
    s.add_argument("--algorithm", default="rbp", help="rbp | fbp | cpr | edmc | sa")
    s.add_argument("--seed", default="0", help="random seed, >= 0")
    s.add_argument("--max-iter", default=None, action=_SolverOption, param="max_iter", text="iterations, >= 1")
    s.add_argument("--max-time", default=None, help="time limit in seconds, > 0 (default: none)")
    for opt, (param, _, text) in SOLVER_SETTINGS.items():
        s.add_argument(opt, default=None, action=_SolverOption, param=param, text=text)
    s.add_argument("-o", "--output", required=True, help="the .npy file for the solution")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    _progress_option(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_cmd_solve)
