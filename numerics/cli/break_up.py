"""``fewbits break-up``: α_LE and α_OGP (the field's break-up criteria) beside α_U and the radius curve.

    fewbits break-up --states S [--reference-kappa K|max] [--y Y|inf] [--alpha-range LO HI] [--json]

Without ``--y`` (or with ``--y 0``): the Franz–Parisi curve around references of margin κ̃
(``--reference-kappa``, default ``max``: maximum-margin references), the solutions around them at
``--kappa``.  ``--y Y`` (finite): fewbits' large-deviation curve at tilt y.  ``--y inf``: the y → ∞
curve, where the slope criterion is α_U (read from the cache of ``fewbits alpha-u --table``, or
computed) and the radius curve goes with it (:mod:`numerics.analyses.break_up`).
"""
from __future__ import annotations

import argparse
import math
import sys

from theory.states import parse_states

from .local import reference_kappa_value
from .theory import finite_float

__all__ = ["register"]


def _y_value(text: str) -> float:
    if text.lower() in ("inf", "infinity"):
        return math.inf
    v = finite_float(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"y must be >= 0 (0: Franz-Parisi) or inf, got {text}")
    return v


def _progress(e):
    m = e.margins or {}
    print(f"  alpha={e.alpha:.5f}: min slope {m.get('LE', math.nan):.4g} at d={m.get('d_LE', math.nan):.4g}, "
          f"min S {m.get('OGP', math.nan):.4g} at d={m.get('d_OGP', math.nan):.4g} ({e.message[:60]})",
          file=sys.stderr, flush=True)


def _cmd_break_up(args) -> int:
    from ..analyses.alpha_u import cached_alpha_u
    from ..analyses.break_up import CRITERIA, break_up, radius_summary
    from ..analyses.radius import cached_radius_curve
    from . import dump_json

    states = parse_states(args.states)
    if args.y == math.inf:
        cache = args.cache if args.cache != "none" else None
        au = cached_alpha_u(states, cache)
        out = {"states": states.name, "y": math.inf,
               "alpha_LE": {"alpha": au["alpha_U"], "interval": au["interval"], "converged": au["converged"],
                            "criterion": CRITERIA["alpha_LE"] + " (at y -> inf: alpha_U, the gap opening)",
                            "message": au["message"]},
               "alpha_OGP": {"alpha": math.nan, "converged": False, "criterion": CRITERIA["alpha_OGP"],
                             "message": "not defined at y -> inf: both branches have S_I > 0; see the radius curve"},
               "radius": radius_summary(cached_radius_curve(states, cache))}
        ok = bool(au["converged"]) and all(r["status"] != "failed" for r in out["radius"])
    else:
        bracket = tuple(args.alpha_range) if args.alpha_range else None
        out = break_up(states, reference_kappa=args.reference_kappa, y=args.y, kappa=args.kappa,
                       bracket=bracket, xtol=args.xtol, progress=_progress)
        ok = out["alpha_LE"]["converged"] and out["alpha_OGP"]["converged"]
    if args.json:
        print(dump_json(out))
    else:
        print(f"break-up of dense regions, states {states.name}, y={args.y:g}")
        for name in ("alpha_LE", "alpha_OGP"):
            e = out[name]
            iv = e.get("interval", [math.nan, math.nan])
            print(f"  {name:>9} = {e['alpha']:.4f} in [{iv[0]:.4f}, {iv[1]:.4f}] at d = {e.get('d', math.nan):.4g}: "
                  f"{e['criterion']} ({e['message']})")
    return 0 if ok else 1


def register(sub) -> None:
    p = sub.add_parser("break-up", help="alpha_LE and alpha_OGP: the field's break-up criteria",
                       description=__doc__.splitlines()[0])
    p.add_argument("--states", required=True, help="state set")
    p.add_argument("--reference-kappa", type=reference_kappa_value, default="max", metavar="K|max",
                   help="the references' margin (y = 0): a number >= 0 or 'max' (default: max, kappa_max(alpha))")
    p.add_argument("--kappa", type=finite_float, default=0.0, help="the margin of the solutions around the reference")
    p.add_argument("--y", type=_y_value, default=0.0,
                   help="0 (default): Franz-Parisi around the references; a finite y: the large-deviation curve; "
                        "inf: alpha_U and the radius curve")
    p.add_argument("--alpha-range", type=finite_float, nargs=2, metavar=("LO", "HI"),
                   help="the scan's range in alpha (default 0.85 to 0.999 alpha_c)")
    p.add_argument("--xtol", type=finite_float, default=0.002, help="width of the final bracket in alpha")
    p.add_argument("--cache", default="figures/.cache",
                   help="with --y inf: the cache folder of alpha_U and the radius curve ('none': none)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_break_up)
