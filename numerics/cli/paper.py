"""``fewbits paper``: the argument parser of the main job (:func:`numerics.figures.paper.run_paper`)."""
from __future__ import annotations


def _seconds(text: str) -> float:
    """``--unit-timeout``: a finite number of seconds >= 0 (0 = no limit)."""
    from .theory import nonnegative_float

    return nonnegative_float(text, "a finite number of seconds >= 0 (0 = no limit)")


def _cmd_paper(args) -> int:
    from . import check_output_folder

    check_output_folder(args.out, "--out")  # before the work: a plain file or a read-only folder fails now
    if args.cache is not None:
        check_output_folder(args.cache, "--cache")
    from ..figures.paper import run_paper

    return run_paper(args.out, quick=args.quick, cache=args.cache, simulate=not args.no_sim,
                     unit_timeout=args.unit_timeout, alpha_u=args.alpha_u, ladder_check=args.ladder_check,
                     progress=args.progress, scheduler=args.scheduler, workers=args.workers)


def register(sub) -> None:
    from . import add_scheduler_option

    p = sub.add_parser("paper", help="compute the paper's tables and figures into a folder",
                       description="The main job: tables and figures of the paper, with report.md. "
                                   "Results are cached per unit, so a second or interrupted run is fast.")
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--quick", action="store_true", help="a reduced run (fewer sets, smaller grids and N; ~1 min)")
    p.add_argument("--cache", default=None, help="cache folder (default: OUT/.cache)")
    p.add_argument("--no-sim", action="store_true", help="skip the simulations (theory only)")
    p.add_argument("--alpha-u", action="store_true",
                   help="also compute α_U for the table's state sets (y → ∞ curves; minutes per set, "
                        "cached, resumable); without it α_U is plotted only where the cache already holds it")
    p.add_argument("--ladder-check", action="store_true",
                   help="also check the y → ∞ equations against finite-y ladders at two points per state set "
                        "(numerics.ladder_check; about 30 minutes, cached, resumable); without it the report "
                        "shows the points already in the cache")
    p.add_argument("--unit-timeout", type=_seconds, default=None,
                   help="time limit in seconds for one local-entropy/α_U unit (default: 300 quick, 420 full; "
                        "0 = none); a unit over it is reported as an error and not cached")
    p.add_argument("--progress", action="store_true", default=None,
                   help="show progress bars on stderr even when it is not a terminal (default: only on a terminal)")
    add_scheduler_option(p, "the units first, side by side", default="local")
    p.add_argument("--workers", type=int, default=None, help="with --scheduler local: worker processes")
    p.set_defaults(func=_cmd_paper)
