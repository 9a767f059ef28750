"""Part 5a of the main job: every theory-versus-simulation comparison → ``comparison.csv``.

Per panel: BP around rBP solutions against the main (y → ∞) curve and against the band between the
Franz–Parisi and the main curve (an rBP solution is a reference of neither kind); enumeration around a
typical solution against Franz–Parisi, around the densest solution against the main curve.  ΔS =
simulation − theory interpolated at the simulated d (:func:`numerics.figures.compare.compare`)."""
from __future__ import annotations

from .compare import compare, compare_between
from .config import NOT_AVAILABLE
from .job import Job
from .local_entropy import Theory
from .output import ytxt
from .simulations import ENUM_KINDS, SimPanel, Simulations

__all__ = ["comparison_rows", "comparison_part"]

NO_CURVE = "no curve (see Convergence / Not available)"


def _bp_rows(sp: SimPanel, th: Theory) -> list:
    """BP against the main curve, and (when some point is in range) against the Franz–Parisi/main band."""
    s, a = sp.p["states"], sp.p["sim_alpha"]
    base = {"states": s, "alpha": a, "simulation": "bp_rbp", "N": sp.p["bp_N"], "n_instances": sp.n_solved}
    main = th.main(s, a)
    rows = [{**base, "theory": f"local entropy {ytxt(th.y)}" if main is not None else
             (NOT_AVAILABLE if not th.have_le else NO_CURVE), **compare(main, sp.bp_rows)}]
    # a rBP solution is neither a typical nor the densest reference: its local entropy should lie
    # between the Franz–Parisi curve and the y → ∞ curve
    band = compare_between(th.franz_parisi(s, a), main, sp.bp_rows)
    if band["n_points"]:
        rows.append({**base, "theory": f"between Franz–Parisi and local entropy {ytxt(th.y)}", **band})
    return rows


def _enum_rows(sp: SimPanel, th: Theory) -> list:
    """Enumeration around typical solutions against Franz–Parisi, around the densest against the main curve."""
    s, a = sp.p["states"], sp.p["sim_alpha"]
    rows = []
    for which, th_kind, mk in ENUM_KINDS:
        pts, n_inst = sp.enum[which]
        curve = th.franz_parisi(s, a) if th_kind == "fp" else th.main(s, a)
        if curve is not None:
            label = "Franz–Parisi" if th_kind == "fp" else f"local entropy {ytxt(th.y)}"
        else:
            label = NOT_AVAILABLE if not (th.have_fp if th_kind == "fp" else th.have_le) else NO_CURVE
        rows.append({"states": s, "alpha": a, "simulation": mk, "N": sp.p["enum_N"], "n_instances": n_inst,
                     "theory": label, **compare(curve, pts)})
    return rows


def comparison_rows(th: Theory, sims: Simulations) -> list:
    """The rows of comparison.csv, per panel: BP, BP band, typical enumeration, densest enumeration."""
    return [r for sp in sims.panels for r in _bp_rows(sp, th) + _enum_rows(sp, th)]


def comparison_part(job: Job, th: Theory, sims: Simulations) -> None:
    """comparison.csv (the rows are also kept in ``sims.cmp_rows`` for the report)."""
    sims.cmp_rows = comparison_rows(th, sims)
    job.csv("comparison.csv", sims.cmp_rows,
            "theory vs simulation: mean |dS| over simulation points in the theory's d range; mean_dS signed "
            "(simulation - theory); within_2se = points with |dS| <= 2 standard errors; 'between' rows: dS = "
            "distance from the band [Franz-Parisi, y -> inf] (0 inside), mean_dS = S - (y -> inf)")
