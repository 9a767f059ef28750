"""``fewbits local-entropy``, ``fewbits franz-parisi``, ``fewbits alpha-u`` (with ``--radius``) and
``fewbits ladder-check``."""
from __future__ import annotations

import argparse
import math

from theory.states import parse_states

from .theory import (ABOVE_CAPACITY_HELP, above_capacity, add_input_arguments, apply_inputs, f_out_float, finite_float,
                     nonnegative_float, parse_bias)

__all__ = ["register", "parse_d_grid", "MAX_GRID_POINTS"]

MAX_GRID_POINTS = 10_000  # one saddle point per distance (seconds each): more is a typo, not a request


def parse_d_grid(text: str):
    """START:STOP:N -> N distances equally spaced from START to STOP (inclusive); N is a whole number
    (written as 20 or 2e1) from 1 to :data:`MAX_GRID_POINTS`."""
    import numpy as np

    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"--d-grid must be START:STOP:N, got {text!r}")
    try:
        a, b, n = float(parts[0]), float(parts[1]), float(parts[2])
    except ValueError:
        raise ValueError(f"--d-grid must be START:STOP:N with numbers, got {text!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"--d-grid: START and STOP must be finite distances in (0, 1), got {text!r}")
    if not (math.isfinite(n) and n == int(n) and 1 <= n <= MAX_GRID_POINTS):
        raise ValueError(f"--d-grid: N must be a whole number from 1 to {MAX_GRID_POINTS}, got {parts[2]!r}")
    return [float(v) for v in np.linspace(a, b, int(n))]


def _y_value(text: str) -> float:
    if text.lower() in ("inf", "infinity", "∞"):
        return math.inf
    v = finite_float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"y must be > 0 (or inf), got {text}")
    return v


def _distances(args):
    if args.d_grid is not None:
        ds = parse_d_grid(args.d_grid)
    elif args.d:
        ds = list(args.d)
    else:
        raise ValueError("give the distances with --d D [D ...] or --d-grid START:STOP:N")
    for d in ds:
        if not (0 < d < 1):
            raise ValueError(f"d must lie strictly between 0 and 1, got {d}")
    return ds


def _print_curve(curve, args, header):
    from . import dump_json

    if args.json:
        out = curve.as_dict()
        points = out.pop("points", [])
        first = next((p for p in curve.points if getattr(p, "saddle", None) is not None), None)
        bias = first.saddle.model.get("b", 0.0) if first is not None else args.bias
        if args.bias == "optimal" and getattr(args, "y", None) is not None:  # local-entropy: b point by point
            bias = "optimal (each point's b in its params)"
        out.update(kappa=args.kappa, f_out=args.fout, bias=bias, points=points)
        print(dump_json(out))
        return
    print(header)
    print(f"{'d':>10} {'S_I':>12} {'Sigma':>12} {'converged':>9} {'residual':>10}  note")
    for p in curve.points:
        note = "" if p.converged else p.message[:70]
        if p.converged and getattr(p, "note", ""):
            note = p.note[:70]
        saddle = getattr(p, "saddle", None)
        if p.converged and saddle is not None and "b" in saddle.params:  # optimal bias, point by point
            note = f"b = {saddle.params['b']:.6g}; " + note
        # Σ is not given by the y → ∞ equations: shown as "-" (null in --json), never as "nan"
        sigma = f"{p.Sigma:>12.7f}" if math.isfinite(p.Sigma) else f"{'-':>12}"
        print(f"{p.d:>10.5g} {p.S_I:>12.7f} {sigma} {('yes' if p.converged else 'NO'):>9} "
              f"{p.residual:>10.2e}  {note}")


def _cmd_local(args) -> int:
    from ..problems.local_entropy import local_entropy_curve

    states = parse_states(args.states)
    if args.alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {args.alpha}")
    ds = _distances(args)
    if (args.check or args.check_ys) and args.y != math.inf:
        raise ValueError("--check and --check-ys need --y inf")
    if args.check_ys is not None:
        from ..problems.extrapolation import check_ladder_ys

        check_ladder_ys(args.check_ys, "--check-ys")
        if not args.check:
            import sys
            print("fewbits: note: --check-ys implies --check (each point is checked against the finite-y "
                  "ladder at these y; minutes per point)", file=sys.stderr, flush=True)
        args.check = True
    apply_inputs(args)
    curve = local_entropy_curve(states, args.alpha, args.y, ds, reference=args.reference,
                                distance=args.distance, kappa=args.kappa, f_out=args.fout, bias=args.bias)
    ok = bool(curve.converged.all())
    if args.y == math.inf and args.check:
        # physics.md §3.2: y → ∞ values are accepted where the extrapolated finite-y ladders agree
        from ..problems.extrapolation import check_against_ladder
        for p in curve.points:
            if p.converged:
                agree, ex = check_against_ladder(p, states, args.alpha, ys=args.check_ys, reference=args.reference,
                                                 distance=args.distance, kappa=args.kappa)
                p.note = (f"ladder check {'agrees' if agree else 'DISAGREES'}: extrapolated {ex.S_I:.6f} "
                          f"({ex.note[:60]})")
                p.status = agree
        ok = bool(all(p.converged for p in curve.points))
    _print_curve(curve, args, f"local entropy, states {states.name}, alpha={args.alpha:g}, y={args.y:g}"
                              + (" (y → ∞ equations; Sigma not given at this order)" if args.y == math.inf else "")
                              + f", reference={args.reference}, distance={args.distance}, kappa={args.kappa:g}"
                              + _output_model(args))
    if not ok:
        return 1
    return above_capacity(_equilibrium_entropy(states, args.alpha, args.kappa, args.fout, args.bias), args.alpha,
                          args.above_capacity)


def _output_model(args) -> str:
    """The output model in a header: nothing at the default b = 0 (where f_out drops out)."""
    return "" if args.bias == 0 else f", f_out={args.fout:g}, bias={args.bias}"


def _equilibrium_entropy(states, alpha: float, kappa: float, f_out: float = 0.5, bias=0.0) -> float:
    """s(α) at the same load (NaN at α = 0 or where it does not converge): tells a load above α_c."""
    from ..problems.equilibrium import solve_equilibrium

    if alpha == 0:
        return math.nan
    r = solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out, bias=bias)
    return r.value if r.converged else math.nan


def _cmd_fp(args) -> int:
    from ..problems.franz_parisi import franz_parisi_curve

    states = parse_states(args.states)
    ds = _distances(args)
    apply_inputs(args)
    curve = franz_parisi_curve(states, args.alpha, ds, distance=args.distance, kappa=args.kappa,
                               reference_kappa=args.reference_kappa, f_out=args.fout, bias=args.bias)
    ref = "" if args.reference_kappa is None else f", reference margin {args.reference_kappa}"
    if args.bias == "optimal" and curve.points and curve.points[0].saddle is not None:
        args = argparse.Namespace(**{**vars(args), "bias": f"optimal ({curve.points[0].saddle.model['b']:.6g})"})
    _print_curve(curve, args, f"Franz-Parisi potential (typical reference{ref}), states {states.name}, "
                              f"alpha={args.alpha:g}, distance={args.distance}{_output_model(args)}; "
                              f"Sigma = s(alpha) of the reference")
    if not bool(curve.converged.all()):
        return 1
    return above_capacity(float(curve.Sigma[0]), args.alpha, args.above_capacity)


def reference_kappa_value(text: str):
    """``--reference-kappa``: 'max' or a finite number >= 0."""
    if text.strip().lower() == "max":
        return "max"
    return nonnegative_float(text, "a number >= 0 or 'max'")


def _alpha_u_progress(alpha, holds, margin=math.nan):
    """One line per α evaluated (stderr), so a long scan shows where it is."""
    import sys
    state = "undecided (see the message)" if holds is None else "exist" if holds else "broken (criterion fails)"
    print(f"  alpha={alpha:.5f}: dense regions {state}"
          f" (min dS_I/dd on the window {margin:.4g})", file=sys.stderr, flush=True)


def _radius(states, args) -> int:
    """``--radius D ...``: for each D, the largest α at which the small-d branch reaches d = D
    (:func:`numerics.analyses.radius.radius_curve`: the same rows as the main job's radius.csv)."""
    import sys

    from ..analyses.branches import CRITERION
    from ..analyses.radius import radius_curve
    from . import dump_json

    if args.y != math.inf:
        raise ValueError("--radius needs the y -> inf equations (--y inf, the default)")
    for d in args.radius:
        if not (0 < d < 1):
            raise ValueError(f"--radius must lie strictly between 0 and 1, got {d}")
    rows = radius_curve(states, args.radius, progress=lambda d, a, p: print(
        f"  d={d:g} alpha={a:.5f}: {'exists' if p.converged else 'no solution'}", file=sys.stderr, flush=True))
    if args.json:
        print(dump_json({"states": states.name, "radii": rows}))
    else:
        print(f"largest alpha at which the y -> inf small-d branch reaches distance d, states {states.name}")
        print(f"{'d':>8} {'alpha':>9} {'interval':>21}  status")
        for r in rows:
            iv = r["interval"]
            print(f"{r['d']:>8g} {r['alpha']:>9.5f} [{iv[0]:.5f}, {iv[1]:.5f}]  {r['status']}: {r['message']}")
        print(f"criterion: {CRITERION}")
    return 0 if all(r["status"] == "radius" for r in rows) else 1


def _cmd_alpha_u(args) -> int:
    from ..analyses.alpha_u import alpha_u, alpha_u_table
    from . import dump_json

    if args.table and args.radius:
        raise ValueError("--radius goes with --states S, not with --table")
    if args.table and args.states:
        raise ValueError("--states cannot be combined with --table (the table has the paper's state sets); "
                         "give either --table or --states S")
    if args.table and (args.bias != 0.0 or args.fout != 0.5 or args.inputs != "pm1"):
        raise ValueError("--bias, --fout and --inputs go with --states S, not with --table (the table is at "
                         "f_out = 1/2, bias 0, ±1 inputs)")
    if args.bias == "optimal" and args.y != math.inf:
        raise ValueError("--bias optimal needs --y inf (at finite y give a number)")
    if args.table:
        cache = _cache_folder(args.cache)
        rows = alpha_u_table(y=args.y, progress=_alpha_u_progress, cache=cache if args.y == math.inf else None,
                             scheduler=args.scheduler)
        if args.json:
            print(dump_json({"rows": rows}))
        else:
            print(f"alpha_U (y={args.y:g}) and alpha_c, kappa=0")
            print(f"{'states':>14} {'bits':>6} {'alpha_U':>11} {'interval':>19} {'alpha_c':>9}  status")
            for r in rows:
                iv = r["interval"]
                au = ("<= " if r.get("upper_bound") else ">= " if r.get("lower_bound") else "") + f"{r['alpha_U']:.4f}"
                print(f"{r['states']:>14} {r['bits']:>6.3f} {au:>11} [{iv[0]:.4f}, {iv[1]:.4f}] "
                      f"{r['alpha_c']:>9.4f}  {r['message'][:60]}")
        return 0 if all(r["converged"] for r in rows) else 1
    if not args.states:
        raise ValueError("give --states S (or --table)")
    if args.radius:
        return _radius(parse_states(args.states), args)
    args.kappa = 0.0  # (alpha-u is at kappa = 0; --inputs 01 keeps it there)
    apply_inputs(args)
    model = {} if args.bias == 0.0 and args.kappa == 0.0 else {"f_out": args.fout, "bias": args.bias, "kappa": args.kappa}
    r = alpha_u(parse_states(args.states), y=args.y, progress=_alpha_u_progress, **model)
    out = r.as_dict()
    if model:
        out.update(model)
    if args.json:
        print(dump_json(out))
    else:
        print(f"alpha_U {'<=' if r.upper_bound else '>=' if r.lower_bound else '='} {r.alpha_U:.5f}  interval [{r.interval[0]:.5f}, "
              f"{r.interval[1]:.5f}]  y={r.y:g}")
        if model:
            print(f"output model: f_out = {args.fout:g}, bias = {args.bias}")
        print(f"criterion: {r.criterion}")
        print(f"status: {r.message}")
    return 0 if r.converged else 1


def _cache_folder(text):
    """``--cache``: None for 'none'/'', else the folder, checked writable before the work starts."""
    from . import check_output_folder

    if str(text).lower() in ("", "none"):
        return None
    try:
        check_output_folder(text, "--cache")
    except (OSError, ValueError) as exc:
        raise type(exc)(f"{exc.args[0]} (or --cache none to run without a cache)") from None
    return text


def _ladder_progress(i, n, c):
    import sys
    print(f"  [{i}/{n}] {c.states} alpha={c.alpha:g} d={c.d:g}: {'agrees' if c.agrees else 'DOES NOT AGREE'}"
          f" ({c.seconds:.0f} s)", file=sys.stderr, flush=True)


def _cmd_ladder_check(args) -> int:
    from . import dump_json
    from ..analyses.ladder_check import CHECK_POINTS, check_table

    points = list(CHECK_POINTS)
    if args.states:
        names = {parse_states(s).name for s in args.states}
        known = {parse_states(p[0]).name for p in CHECK_POINTS}
        if not names <= known:
            raise ValueError(f"--states: no check points for {', '.join(sorted(names - known))}; "
                             f"the sets with check points are {', '.join(sorted(known))}")
        points = [p for p in points if parse_states(p[0]).name in names]
    cache = _cache_folder(args.cache)
    rows = check_table(points, cache=cache, progress=_ladder_progress, scheduler=args.scheduler)
    if args.json:
        print(dump_json({"points": [c.as_dict() for c in rows]}))
    else:
        ys = sorted(rows[0].ladder) if rows else []
        y1, y2 = (ys[-2], ys[-1]) if len(ys) >= 2 else (math.nan, math.nan)
        print("y -> inf equations against finite-y ladders (reference a solution, squared distance, kappa=0); "
              f"ladder y = {', '.join(f'{y:g}' for y in ys)}")
        print(f"{'states':>13} {'alpha':>6} {'d':>6} {'S_inf':>9} {f'S({y1:g})':>9} {f'S({y2:g})':>9} "
              f"{'ratio':>6} {'fit':>9}  verdict")
        for c in rows:
            print(f"{c.states:>13} {c.alpha:>6g} {c.d:>6g} {c.S_inf:>9.5f} {c.ladder.get(y1, math.nan):>9.5f} "
                  f"{c.ladder.get(y2, math.nan):>9.5f} {c.ratio:>6.2f} {c.fit:>9.5f}  {c.message}")
        print(f"ratio = (S_inf - S({y2:g})) / (S({y2:g}) - S({y1:g})): 2 for S = S_inf - b/y, 4.45 for b/sqrt(y). "
              "fit: the rungs from y = 6.75 extrapolated (numerics.problems.extrapolation), for information only: "
              "from rungs up to y = 15 it overshoots (numerics.analyses.ladder_check)")
    return 0 if all(c.agrees for c in rows) else 1


def _output_arguments(p, optimal: str) -> None:
    """--fout, --bias (``optimal`` says what 'optimal' means for the verb) and the input model."""
    p.add_argument("--fout", type=f_out_float, default=0.5,
                   help="output coding level P(σ=+1) in (0, 1) (default 0.5; matters only with a bias)")
    p.add_argument("--bias", type=parse_bias, default=0.0,
                   help=f"output bias b, σ(ξ·W/√N + b) > κ (default 0), or 'optimal': {optimal}")
    add_input_arguments(p)


def register(sub) -> None:
    from . import add_scheduler_option

    def common(p, with_y=True):
        p.add_argument("--states", required=True, help="state set (binary, symmetric:L, excitatory:L, values:...)")
        p.add_argument("--alpha", type=finite_float, required=True, help="load α = M/N")
        g = p.add_mutually_exclusive_group()
        g.add_argument("--d", type=finite_float, nargs="+", help="distances (normalised, in (0, 1))")
        g.add_argument("--d-grid", help="START:STOP:N equally spaced distances")
        p.add_argument("--distance", choices=["squared", "hamming"], default="squared",
                       help="squared: mean (W−W̃)²/Δ² (default); hamming: fraction of differing synapses")
        p.add_argument("--kappa", type=finite_float, default=0.0, help="stability κ ≥ 0")
        _output_arguments(p, "franz-parisi, the reference's b maximises its equilibrium entropy and the probes' b "
                             "their S_FP(d); local-entropy, one b for the reference and its replicas that maximises "
                             "the free entropy Φ(d, y) at each d (at --y inf the local entropy)")
        p.add_argument("--above-capacity", action="store_true", help=ABOVE_CAPACITY_HELP)
        p.add_argument("--json", action="store_true", help="one JSON object")

    p = sub.add_parser("local-entropy", help="local entropy S_I(d) and external entropy Σ(d) at load α, tilt y",
                       description="Large-deviation local entropy (physics.md §3). y = inf solves the y → ∞ "
                                   "equations (§3.2); --check compares each point with the finite-y ladder "
                                   "extrapolated in 1/y and 1/√y (the fit is reported per point).")
    common(p)
    p.add_argument("--y", type=_y_value, required=True, help="tilt y > 0, or inf (the y → ∞ equations)")
    p.add_argument("--check", action="store_true",
                   help="with --y inf: check each point against the extrapolated finite-y ladder (minutes per point)")
    p.add_argument("--check-ys", type=finite_float, nargs="+", metavar="Y",
                   help="with --check: the ladder's y values, at least three, increasing (default 15 20 30 40)")
    p.add_argument("--reference", choices=["solution", "free"], default="solution",
                   help="whether the reference must itself be a solution (default)")
    p.set_defaults(func=_cmd_local)

    p = sub.add_parser("franz-parisi", help="Franz–Parisi potential: local entropy around typical solutions")
    common(p)
    p.add_argument("--reference-kappa", type=reference_kappa_value, default=None, metavar="K|max",
                   help="the reference's own margin: a number >= 0, or 'max' for kappa_max(alpha), where the "
                        "reference's entropy vanishes (maximum-margin references); the solutions around it "
                        "keep --kappa (default: the reference at --kappa)")
    p.set_defaults(func=_cmd_fp)

    p = sub.add_parser("alpha-u", help="alpha_U: where the dense regions break up",
                       description="α_U: the smallest α at which the large-y local entropy stops increasing "
                                   "monotonically at small d. --table gives α_U and α_c for several state sets.")
    p.add_argument("--states", help="state set")
    _output_arguments(p, "with --states and --y inf, the b that maximises the local entropy at each point "
                         "(with 0/1 inputs the optimal threshold, README 'Conventions')")
    p.add_argument("--table", action="store_true", help="α_U and α_c for the paper's state sets")
    p.add_argument("--cache", default="figures/.cache",
                   help="with --table: cache folder for the rows (default figures/.cache, the one `fewbits paper` "
                        "reads, so its capacity figure then shows α_U; 'none' for no cache)")
    p.add_argument("--radius", type=finite_float, nargs="+", metavar="D",
                   help="instead of α_U: the largest α at which the small-d branch of the y → ∞ curve still "
                        "reaches distance D (dense regions of radius D outlive α_U; numerics.analyses.branches)")
    p.add_argument("--y", type=_y_value, default=math.inf,
                   help="tilt y of the curves: inf (default; the y → ∞ equations) or a finite y (slow)")
    add_scheduler_option(p, "the rows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_alpha_u)

    p = sub.add_parser("ladder-check", help="the y → ∞ equations against finite-y ladders, two points per set",
                       description="At two (alpha, d) points per state set of the alpha_U table "
                                   "(numerics.analyses.ladder_check.CHECK_POINTS), solve the y → ∞ equations and the "
                                   "finite-y ladder y = 3 ... 15, and check that S_inf lies above S(15) by at most 2.4 times "
                                   "S(15) - S(10). One to three minutes per point; cached, so an interrupted run "
                                   "resumes. Exit 1 when a point does not agree.")
    p.add_argument("--states", nargs="+", help="only these state sets (default: all eight)")
    p.add_argument("--cache", default="figures/.cache",
                   help="cache folder for the points (default figures/.cache; 'none' for no cache)")
    add_scheduler_option(p, "the points")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_ladder_check)
