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
    from theory.states import StateSet

    from ..simulate.instances import generate, save_instance

    try:
        states = StateSet.parse(args.states)
    except ValueError as exc:
        raise ValueError(f"--states: {exc}") from None
    N = _int("--N")(args.N)
    alpha = _float("--alpha")(args.alpha)
    seed = _int("--seed")(args.seed)
    if N < 1:
        raise ValueError(f"--N: must be >= 1, got {N}")
    if alpha < 0:
        raise ValueError(f"--alpha: must be >= 0, got {alpha}")
    if seed < 0:
        raise ValueError(f"--seed: must be >= 0, got {seed}")
    if args.inputs not in ("pm1", "01"):
        raise ValueError(f"--inputs: must be pm1 or 01, got {args.inputs!r}")
    f = _float("--f")(args.f)
    if not 0 < f < 1:
        raise ValueError(f"--f: coding level must be in (0, 1), got {f}")
    fout = _float("--fout")(args.fout)
    if not 0 <= fout <= 1:
        raise ValueError(f"--fout: must be in [0, 1], got {fout}")
    threshold = None if args.threshold is None else _float("--threshold")(args.threshold)
    if threshold is not None and args.inputs != "01":
        raise ValueError("--threshold: only for --inputs 01 (use --bias for +-1 inputs)")
    inst = generate(states, N, alpha, seed, inputs=args.inputs, f=f,
                    kappa=_float("--kappa")(args.kappa), f_out=fout, bias=_float("--bias")(args.bias),
                    threshold=threshold)
    if os.path.exists(args.output) and not args.force:
        raise FileExistsError(f"-o: {args.output} exists; use --force to overwrite")
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


def _cmd_enumerate(args) -> int:
    from ..simulate.distances import check_distance
    from ..simulate.enumeration import densest_by_neighbours, enumerate_solutions, sample_solutions
    from ..simulate.instances import atomic_save_npy, load_configuration, load_instance

    inst = load_instance(args.file)
    check_distance(args.distance)
    ref = load_configuration(args.reference, inst) if args.reference else None
    n_sample = _int("--n-sample")(args.n_sample)
    if n_sample < 1:
        raise ValueError(f"--n-sample: must be >= 1, got {n_sample}")
    seed = _int("--seed")(args.seed)
    if seed < 0:
        raise ValueError(f"--seed: must be >= 0, got {seed}")
    for opt, path in (("--save-sample", args.save_sample), ("--save-densest", args.save_densest)):
        if path and os.path.exists(path) and not args.force:
            raise FileExistsError(f"{opt}: {path} exists; use --force to overwrite")
    keep = bool(args.save_sample or args.save_densest)
    res = enumerate_solutions(inst, reference=ref, distance=args.distance, keep=keep)
    out = {"n_solutions": res.n_solutions, "N": inst.N, "M": inst.M, "states": inst.states.name,
           "elapsed_s": res.elapsed}
    if ref is not None:
        out["distance"] = args.distance
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
        dens = densest_by_neighbours(res, inst.states, distance=args.distance)
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
    if text is None:
        return None
    try:
        g = [float(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError(f"--gammas: expected numbers separated by commas, got {text!r}") from None
    if not g:
        raise ValueError("--gammas: empty list")
    return g


def _cmd_bp_entropy(args) -> int:
    from ..simulate.bp import local_entropy_sweep
    from ..simulate.distances import check_distance
    from ..simulate.instances import load_configuration, load_instance

    inst = load_instance(args.file)
    check_distance(args.distance)
    ref = load_configuration(args.reference, inst)
    gammas = _parse_gammas(args.gammas)
    max_iter = _int("--max-iter")(args.max_iter)
    if max_iter < 1:
        raise ValueError(f"--max-iter: must be >= 1, got {max_iter}")
    tol = _float("--tol")(args.tol)
    if not tol > 0:
        raise ValueError(f"--tol: must be > 0, got {tol}")
    damping = _float("--damping")(args.damping)
    if not 0 <= damping < 1:
        raise ValueError(f"--damping: must be in [0, 1), got {damping}")
    sweep = local_entropy_sweep(inst, ref, gammas=gammas, distance=args.distance, max_iter=max_iter,
                                tol=tol, damping=damping)
    pts = [{"gamma": p.gamma, "d": p.d, "F": p.F, "phi": p.phi, "converged": p.converged,
            "iterations": p.iterations} for p in sweep]
    out = {"points": pts, "N": inst.N, "M": inst.M, "states": inst.states.name, "distance": args.distance,
           "reference_is_solution": inst.is_solution(ref)}
    text = "gamma        d          F     converged\n" + "\n".join(
        f"{p.gamma:8.3f} {p.d:9.5f} {p.F:10.5f}  {p.converged}" for p in sweep)
    _emit(out, args.json, text)
    return 0


# -- solve -------------------------------------------------------------------------------------


def _cmd_solve(args) -> int:
    from ..simulate.instances import atomic_save_npy, load_instance
    from ..simulate.solvers import SOLVERS, solve

    inst = load_instance(args.file)
    if args.algorithm not in SOLVERS:
        raise ValueError(f"--algorithm: must be one of {', '.join(SOLVERS)}, got {args.algorithm!r}")
    seed = _int("--seed")(args.seed)
    if seed < 0:
        raise ValueError(f"--seed: must be >= 0, got {seed}")
    max_iter = None if args.max_iter is None else _int("--max-iter")(args.max_iter)
    if max_iter is not None and max_iter < 1:
        raise ValueError(f"--max-iter: must be >= 1, got {max_iter}")
    max_time = None if args.max_time is None else _float("--max-time")(args.max_time)
    if max_time is not None and not max_time > 0:
        raise ValueError(f"--max-time: must be > 0, got {max_time}")
    if os.path.exists(args.output) and not args.force:
        raise FileExistsError(f"-o: {args.output} exists; use --force to overwrite")
    res = solve(inst, args.algorithm, seed=seed, max_iter=max_iter, max_time=max_time)
    errors = inst.n_errors(res.W)  # independent re-check
    out = {"algorithm": args.algorithm, "solved": errors == 0, "errors": errors, "iterations": res.iterations,
           "elapsed_s": res.elapsed, "message": res.message, "output": None}
    if errors == 0:
        atomic_save_npy(args.output, res.W.astype(np.float64), force=args.force)
        out["output"] = args.output
        _emit(out, args.json, f"{args.algorithm}: solution found in {res.iterations} iterations "
                              f"({res.elapsed:.2f} s); wrote {args.output}")
        return 0
    _emit(out, args.json, f"{args.algorithm}: no solution ({errors} of {inst.M} patterns not stored after "
                          f"{res.iterations} iterations, {res.elapsed:.2f} s); {args.output} not written")
    print(f"fewbits solve: {errors} errors left; no solution, {args.output} not written", file=sys.stderr)
    return 1


def register(subparsers) -> None:
    p = subparsers.add_parser("instance", help="random instances")
    sp = p.add_subparsers(dest="instance_command", metavar="ACTION")
    new = sp.add_parser("new", help="write a random instance (.npz)")
    new.add_argument("--states", required=True, help="binary | symmetric:L | excitatory:L | values:...")
    new.add_argument("--N", required=True, help="number of synapses")
    new.add_argument("--alpha", required=True, help="patterns per synapse, M = round(alpha N)")
    new.add_argument("--seed", default="0")
    new.add_argument("--inputs", default="pm1", help="pm1 (default) or 01")
    new.add_argument("--f", default="0.5", help="coding level of 0/1 inputs")
    new.add_argument("--kappa", default="0")
    new.add_argument("--bias", default="0", help="bias b (+-1 inputs)")
    new.add_argument("--threshold", default=None,
                     help="threshold (0/1 inputs); default f*N*<s> (prior mean of the states)")
    new.add_argument("--fout", default="0.5", help="P(label = +1)")
    new.add_argument("-o", "--output", required=True)
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument("--json", action="store_true")
    new.set_defaults(func=_cmd_instance_new)
    p.set_defaults(func=_cmd_instance_missing)

    e = subparsers.add_parser("enumerate", help="all solutions of a small instance")
    e.add_argument("file")
    e.add_argument("--reference", default=None, help=".npy configuration: count solutions at each distance")
    e.add_argument("--distance", default="squared", help="squared (default) or hamming")
    e.add_argument("--save-sample", default=None,
                   help=".npy: uniformly drawn solution(s) (one vector, or n-sample x N)")
    e.add_argument("--n-sample", default="1")
    e.add_argument("--seed", default="0", help="seed of the uniform sampling")
    e.add_argument("--save-densest", default=None,
                   help=".npy: the solution with the most solutions within one step (see densest_solution)")
    e.add_argument("--force", action="store_true")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_enumerate)

    b = subparsers.add_parser("bp-entropy", help="BP local entropy F(d) around a reference")
    b.add_argument("file")
    b.add_argument("--reference", required=True)
    b.add_argument("--gammas", default=None, help="comma-separated coupling strengths")
    b.add_argument("--distance", default="squared")
    b.add_argument("--max-iter", default="1000")
    b.add_argument("--tol", default="1e-7")
    b.add_argument("--damping", default="0.5", help="weight of the old message, in [0, 1)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_cmd_bp_entropy)

    s = subparsers.add_parser("solve", help="find a solution of an instance")
    s.add_argument("file")
    s.add_argument("--algorithm", default="rbp", help="rbp | fbp | cpr | edmc | sa")
    s.add_argument("--seed", default="0")
    s.add_argument("--max-iter", default=None)
    s.add_argument("--max-time", default=None, help="seconds")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--force", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_cmd_solve)
