"""``fewbits replicated-bp``: the replicated system at finite y on one instance, by BP with one factor per
pattern over all y replicas (numerics.simulate.replicated; physics.md §4).

For each coupling gamma (``--gamma``) or target distance d (``--d``, gamma by a one-dimensional root) it
prints the Bethe free entropy F = (1/N) log Z(gamma, y) (reference summed over, c = 0), the overlap
S = (1/y) dF/dgamma (for L states S = <1 - 2 dist(W^a, W~)>, so gamma couples to minus twice the
distance), d = (1 - S)/2, yPhi = F - y gamma S and the control variate yPhi - y s_Bethe (s_Bethe: the plain
BP entropy of the same instance, by the same code at y = 1, gamma = 0), with the replica overlaps.
Exit 1 when a point did not converge (or a target d was not reached).
"""
from __future__ import annotations

import math
import sys

__all__ = ["register"]

MAX_Y = 64  # classes per synapse grow like y^(L-1); beyond this a typo, not a request


def _int_y(text) -> int:
    try:
        y = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"--y: expected an integer in [1, {MAX_Y}], got {text!r}") from None
    if not 1 <= y <= MAX_Y:
        raise ValueError(f"--y: must be an integer in [1, {MAX_Y}], got {text}")
    return y


def _real(name, text, lo=None, hi=None, hi_open=False, lo_open=False, integer=False):
    kind = "an integer" if integer else "a number"
    try:
        v = int(text) if integer else float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {kind}, got {text!r}") from None
    bad = (not math.isfinite(v) or (lo is not None and (v < lo or (lo_open and v == lo)))
           or (hi is not None and (v > hi or (hi_open and v == hi))))
    if bad:
        rng = f"{'(' if lo_open else '['}{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}" \
              f"{')' if hi_open or hi is None else ']'}"
        raise ValueError(f"{name}: must be {kind} in {rng}, got {text}")
    return v


def _cmd(args) -> int:
    from ..simulate.distances import check_distance
    from ..simulate.instances import load_instance
    from ..simulate.replicated import replicated_points

    y = _int_y(args.y)
    check_distance(args.distance)
    if (args.gamma is None) == (args.d is None):
        raise ValueError("give the couplings with --gamma G [G ...] or the distances with --d D [D ...] (one)")
    gammas = [_real("--gamma", g, lo=0.0) for g in args.gamma] if args.gamma is not None else None
    ds = [_real("--d", d, lo=0.0, hi=1.0, lo_open=True, hi_open=True) for d in args.d] if args.d is not None else None
    run_kw = dict(max_iter=_real("--max-iter", args.max_iter, lo=1, integer=True),
                  tol=_real("--tol", args.tol, lo=0.0, lo_open=True),
                  damping=_real("--damping", args.damping, lo=0.0, hi=1.0, hi_open=True))
    inst = load_instance(args.file)
    s_bethe, s_res, pts = replicated_points(inst, y, gammas=gammas, ds=ds, distance=args.distance, **run_kw)
    rows = []
    for p in pts:
        row = p.as_dict()
        row["yPhi_minus_y_s_bethe"] = p.yPhi - y * s_bethe
        rows.append(row)
    ok = s_res.converged and all(p.converged for p in pts)
    out = {"N": inst.N, "M": inst.M, "alpha": inst.alpha, "states": inst.states.name, "y": y,
           "input_model": inst.input_model, "distance": args.distance, "s_bethe": s_bethe,
           "s_bethe_converged": s_res.converged, "s_bethe_message": s_res.message, "points": rows,
           "converged": ok}
    if args.json:
        from . import dump_json

        print(dump_json(out))
    else:
        print(f"# N={inst.N} M={inst.M} states={inst.states.name} y={y}  s_Bethe={s_bethe:.6f}"
              f" ({'converged' if s_res.converged else s_res.message})")
        print("    gamma          d          F       yPhi  yPhi-y*s        q1        q0  converged")
        for p, r in zip(pts, rows):
            print(f"{p.gamma:9.5f} {p.d:10.6f} {p.F:10.6f} {p.yPhi:10.6f} {r['yPhi_minus_y_s_bethe']:9.6f} "
                  f"{p.overlaps['q1']:9.6f} {p.overlaps['q0']:9.6f}  {'yes' if p.converged else 'NO':>9}"
                  + ("" if p.converged else f"  {p.message[:100]}"))
    if not ok:
        bad = next((p for p in [s_res] + pts if not p.converged))
        print(f"fewbits replicated-bp: not every point converged: {bad.message}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    r = subparsers.add_parser(
        "replicated-bp", help="the replicated system at finite y on an instance, by joint BP",
        description="Bethe free entropy F(gamma, y) of the replicated system (y replicas and a summed reference, "
                    "one factor per pattern over all replicas), with S, d, yPhi = F - y gamma S and the "
                    "control variate yPhi - y s_Bethe, at given couplings or target distances. Exit 1 when a "
                    "point did not converge.")
    r.add_argument("file", metavar="INSTANCE", help="instance .npz (fewbits instance new)")
    r.add_argument("--y", required=True, help=f"number of replicas, an integer in [1, {MAX_Y}]")
    r.add_argument("--gamma", nargs="+", default=None, metavar="G", help="couplings >= 0")
    r.add_argument("--d", nargs="+", default=None, metavar="D",
                   help="target distances in (0, d(gamma = 0)); gamma by a root in gamma")
    r.add_argument("--distance", default="squared", help="squared or hamming (w = 1 - 2 dist)")
    r.add_argument("--max-iter", default="2000", help="sweeps per point, >= 1")
    r.add_argument("--tol", default="1e-10", help="convergence: largest change of a class marginal, > 0")
    r.add_argument("--damping", default="0.5", help="weight of the old fields, in [0, 1)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_cmd)
