"""``fewbits sweep``: any theory quantity over a grid of parameters, as a tidy table (CSV, and Parquet
when pyarrow is installed), on this machine's cores or on a Dask cluster
(:mod:`numerics.analyses.sweep`)."""
from __future__ import annotations

import math

__all__ = ["register", "parse_values"]

MAX_GRID_POINTS = 10_000  # per START:STOP:N token: more is a typo, not a request
_OPTION = {"states": "--states", "alpha": "--alpha", "d": "--d", "y": "--y", "kappa": "--kappa",
           "f_out": "--f-out", "reference": "--reference", "scheduler": "--scheduler", "workers": "--workers"}


def parse_values(tokens, option: str, numeric: bool = True) -> list:
    """The values of one axis option: numbers (``inf`` allowed, checked later per axis) and
    ``START:STOP:N`` tokens (N values equally spaced, inclusive); strings when not ``numeric``."""
    import numpy as np

    if tokens is None:
        return None
    out = []
    for t in tokens:
        if not numeric:
            out.append(t)
            continue
        parts = t.split(":")
        if len(parts) == 3:
            try:
                a, b, n = (float(p) for p in parts)
            except ValueError:
                raise ValueError(f"{option}: {t!r} is not START:STOP:N with numbers") from None
            if not (math.isfinite(a) and math.isfinite(b) and n == int(n) and 1 <= n <= MAX_GRID_POINTS):
                raise ValueError(f"{option}: {t!r}: START and STOP must be finite and N a whole number from 1 to "
                                 f"{MAX_GRID_POINTS}")
            out += [round(float(v), 12) for v in np.linspace(a, b, int(n))]
            continue
        try:
            out.append(float(t))
        except ValueError:
            raise ValueError(f"{option}: {t!r} is not a number (or START:STOP:N)") from None
    return out


def _named(exc: ValueError) -> ValueError:
    """A grid error ``axis: ...`` from the library, with the axis given as its option name."""
    msg = str(exc.args[0]) if exc.args else str(exc)
    head, sep, rest = msg.partition(": ")
    return ValueError(f"{_OPTION[head]}: {rest}" if sep and head in _OPTION else msg)


def _cmd_sweep(args) -> int:
    from . import check_output_file, check_output_folder, dump_json
    from ..analyses.sweep import check_scheduler, make_grid, sweep

    axes = {"states": parse_values(args.states, "--states", numeric=False),
            "alpha": parse_values(args.alpha, "--alpha"), "d": parse_values(args.d, "--d"),
            "y": parse_values(args.y, "--y"), "kappa": parse_values(args.kappa, "--kappa"),
            "f_out": parse_values(args.f_out, "--f-out"), "reference": args.reference}
    try:  # every value named before any work
        grid = make_grid(args.quantity, **axes)
        check_scheduler(args.scheduler)
    except ValueError as exc:
        raise _named(exc) from None
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers: must be >= 1, got {args.workers}")
    out = args.out or f"sweep_{args.quantity}"
    stem = out[:-4] if out.lower().endswith(".csv") else out
    check_output_file(stem + ".csv", "--out", force=args.force)
    cache = None if str(args.cache).lower() in ("", "none") else args.cache
    if cache is not None:
        check_output_folder(cache, "--cache")
    try:
        res = sweep(args.quantity, **axes, scheduler=args.scheduler, workers=args.workers, cache=cache, out=stem,
                    progress=args.progress)
    except ValueError as exc:
        raise _named(exc) from None
    except ConnectionError as exc:
        raise ConnectionError(f"--{exc.args[0]}") from None
    if args.json:
        print(dump_json({"quantity": res.quantity, "columns": res.columns, "rows": res.rows,
                         "files": [str(f) for f in res.files]}))
    else:
        print(f"{len(grid.points)} points ({len(grid.chunks())} tasks), {len(res.failed)} not converged; "
              f"{res.wall:.1f} s on scheduler {res.scheduler}; wrote {', '.join(str(f) for f in res.files)}")
        for r in res.failed[:10]:
            where = ", ".join(f"{a}={r[a]}" for a in grid.quantity.axes)
            print(f"  not converged: {where}: {r['message'][:120]}")
    return 0 if res.converged else 1


def register(sub) -> None:
    from ..analyses.sweep.grid import QUANTITIES

    p = sub.add_parser(
        "sweep", help="a theory quantity over a grid of parameters, as a table (cores or a Dask cluster)",
        description="Tabulate a theory quantity over the product of the given values, one row per point with "
                    "every parameter and the diagnostics (converged, residual, iterations, message), as CSV and, "
                    "with pyarrow, Parquet. Quantities: " + "; ".join(f"{q.name}: {q.doc}" for q in QUANTITIES.values())
                    + ". Numbers may be given as START:STOP:N. Every point is cached, so an interrupted sweep "
                      "resumes; points along d (α for the entropy) are solved in order, each seeding the next.")
    p.add_argument("quantity", choices=list(QUANTITIES), help="the theory quantity")
    p.add_argument("--states", nargs="+", help="state sets (binary, symmetric:L, excitatory:L, values:...)")
    p.add_argument("--alpha", nargs="+", metavar="A", help="loads α (or START:STOP:N)")
    p.add_argument("--d", nargs="+", metavar="D", help="normalised squared distances in (0, 1) (or START:STOP:N)")
    p.add_argument("--y", nargs="+", metavar="Y", help="tilts y > 0, or inf (the y → ∞ equations)")
    p.add_argument("--kappa", nargs="+", metavar="K", help="stabilities κ ≥ 0 (default 0)")
    p.add_argument("--f-out", nargs="+", metavar="F", help="output biases f_out = P(σ = +1) in (0, 1) (default 0.5)")
    p.add_argument("--reference", nargs="+", choices=["solution", "free"],
                   help="reference kinds of the local entropy (default solution)")
    p.add_argument("--scheduler", default="local",
                   help="local: a Dask LocalCluster, one worker process per core, started and closed here "
                        "(default); ADDRESS (tcp://host:8786): an existing Dask cluster; none: this process")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--cache", default="figures/.cache",
                   help="per-point cache folder (default figures/.cache, shared with fewbits paper; 'none': no cache)")
    p.add_argument("--out", default=None, help="table file stem: writes STEM.csv (and STEM.parquet) "
                                                "(default sweep_QUANTITY)")
    p.add_argument("--force", action="store_true", help="overwrite an existing table")
    p.add_argument("--progress", action="store_true", default=None,
                   help="show the progress bar even when stderr is not a terminal")
    p.add_argument("--json", action="store_true", help="also print the table as one JSON object")
    p.set_defaults(func=_cmd_sweep)
