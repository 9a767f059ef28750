"""Parts 3 of the main job: the local-entropy theory curves and the figures drawn from them.

* theory (:func:`theory_part`): per theory panel the main curve at the mode's y (y → ∞:
  :mod:`numerics.problems.large_y`, on the panel's own d grid below the end of the branch), the
  finite-y extras and the Franz–Parisi curve (y → 0) on the global grid, and the α = 0 curve (an
  upper bound) → ``local_entropy_theory.csv``;
* external entropy Σ(d) (:func:`external_entropy_part`), given at finite y only →
  ``external_entropy.csv``, ``external_entropy.{pdf,png}`` when some curve has it;
* the local-entropy figure (:func:`local_entropy_figure_part`): theory with the simulations →
  ``local_entropy.{pdf,png}``.

Squared distance, reference a solution, entropies in nats per synapse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import NOT_AVAILABLE, finite_ys
from .job import Job
from .output import ytxt
from .progress import step
from .units import alpha0_unit, franz_parisi_unit, local_entropy_unit, optional

__all__ = ["Theory", "theory_part", "external_entropy_part", "local_entropy_figure_part"]


@dataclass
class Theory:
    """The theory curves of one run: ``curves[(states, alpha, kind, y)]`` with kind ``"y"`` (main curve
    at ``y``), ``"finite_y"`` or ``"fp"`` (Franz–Parisi, y = 0.0); ``alpha0[states]`` the α = 0 curves;
    ``panels`` the config panels with theory; ``ds`` the global d grid; ``sigma_note`` what the report
    says when no curve gives Σ."""

    curves: dict
    alpha0: dict
    panels: list
    y: float
    ds: list
    have_le: bool
    have_fp: bool
    sigma_note: str = ""

    def main(self, states, alpha):
        """The main curve (at y) of a panel, or None."""
        return self.curves.get((states, alpha, "y", self.y))

    def franz_parisi(self, states, alpha):
        """The Franz–Parisi curve of a panel, or None."""
        return self.curves.get((states, alpha, "fp", 0.0))


def _availability(job: Job):
    """Which theory modules are in this build (the missing ones are listed in the report)."""
    have_le = optional("numerics.problems.local_entropy", "local_entropy_curve") is not None
    have_fp = optional("numerics.problems.franz_parisi", "franz_parisi_curve") is not None
    have_a0 = optional("numerics.problems.local_entropy", "alpha0_curve") is not None
    if not have_le:
        job.missing.append("local entropy S_I(d), Σ(d) (numerics.problems.local_entropy.local_entropy_curve)")
    if not have_fp:
        job.missing.append("Franz–Parisi curve (numerics.problems.franz_parisi.franz_parisi_curve)")
    if not have_a0:
        job.missing.append("α = 0 curve (numerics.problems.local_entropy.alpha0_curve)")
    return have_le, have_fp


def _curve_plan(job: Job, p: dict, a: float) -> list:
    """(kind, y, d grid) of the local-entropy curves of panel ``p`` at ``a``: the main curve on the
    panel's grid, then (at the panel's first α) the finite-y extras on the global grid."""
    cfg = job.cfg
    return ([("y", cfg["y"], p.get("ds", cfg["ds"]))]
            + [("finite_y", fy, cfg["ds"]) for fy in finite_ys(cfg, p) if a == p["alphas"][0]])


def theory_curves(job: Job, th_panels: list, have_le: bool, have_fp: bool) -> dict:
    """Every local-entropy and Franz–Parisi curve of the theory panels, each under the guard (a progress
    bar over the units); failed units are left out (the guard records why)."""
    n_units = sum(len(p["alphas"]) * (have_le + have_fp) for p in th_panels) + \
        (sum(len(finite_ys(job.cfg, p)) for p in th_panels) if have_le else 0)
    theory = {}
    if not n_units:
        return theory
    guard, cache = job.guard, job.cache
    with job.bar(n_units, "local entropy") as bar:
        for p in th_panels:
            s = p["states"]
            for a in p["alphas"]:
                for kind, yy, grid in (_curve_plan(job, p, a) if have_le else []):
                    c = guard(f"local entropy {s} α={a} {ytxt(yy)}", local_entropy_unit, s, a, yy, grid, cache)
                    if c is not None:
                        theory[(s, a, kind, yy)] = c
                    step(bar, f"{s} α={a} {ytxt(yy, ascii=True)}")
                if have_fp:
                    c = guard(f"Franz–Parisi {s} α={a}", franz_parisi_unit, s, a, job.cfg["ds"], cache)
                    if c is not None:
                        theory[(s, a, "fp", 0.0)] = c
                    step(bar, f"{s} α={a} FP")
    return theory


def _theory_rows(job: Job, theory: dict) -> list:
    """Rows of local_entropy_theory.csv for the curves; non-converged points go to the failures."""
    rows = []
    for (s, a, kind, yy), c in theory.items():
        label = {"y": "y_inf" if math.isinf(yy) else "y_main", "finite_y": "finite_y", "fp": "franz_parisi"}[kind]
        slopes = c.get("slope") or [math.nan] * len(c["d"])
        for k in range(len(c["d"])):
            rows.append({"states": s, "alpha": a, "curve": label, "y": c["y"] if kind != "fp" else 0.0,
                         "d": c["d"][k], "S_I": c["S_I"][k], "Sigma": c["Sigma"][k], "phi": c["phi"][k],
                         "dS_dd": slopes[k], "converged": c["converged"][k], "residual": c["residual"][k]})
            if not c["converged"][k]:
                job.failures.append(f"{label} {s} α={a} {ytxt(yy) if kind != 'fp' else 'y → 0'} d={c['d'][k]:g}")
    return rows


def _alpha0_rows(a0: dict) -> list:
    """Rows of local_entropy_theory.csv for the α = 0 curves."""
    return [{"states": s, "alpha": 0.0, "curve": "alpha0", "y": math.nan, "d": dd, "S_I": ss, "Sigma": math.nan,
             "phi": math.nan, "dS_dd": math.nan, "converged": True, "residual": math.nan}
            for s, c in a0.items() if c is not None for dd, ss in zip(c["d"], c["S_I"])]


def theory_part(job: Job) -> Theory:
    """The theory curves → local_entropy_theory.csv, then the external entropy (:func:`external_entropy_part`)."""
    have_le, have_fp = _availability(job)
    th_panels = [p for p in job.cfg["panels"] if p.get("theory", True)]
    theory = theory_curves(job, th_panels, have_le, have_fp)
    rows = _theory_rows(job, theory)
    a0 = {p["states"]: job.guard(f"α = 0 curve {p['states']}", alpha0_unit, p["states"], np.linspace(0.005, 0.5, 100))
          for p in job.cfg["panels"]}
    rows += _alpha0_rows(a0)
    job.csv("local_entropy_theory.csv", rows,
            "theory local entropy S_I(d) (nats/synapse), squared distance, reference a solution; "
            "curve y_inf: the y -> inf equations (y = inf; Sigma not given at this order, NaN; dS_dd = exact "
            "slope, -> 0+ at the end of the branch, which the panel's d grid stays below); "
            "finite_y: finite y (column y), with Sigma; franz_parisi (y -> 0); alpha0 (upper bound)")
    th = Theory(theory, a0, th_panels, job.cfg["y"], job.cfg["ds"], have_le, have_fp)
    th.sigma_note = external_entropy_part(job, th)
    return th


def external_entropy_part(job: Job, th: Theory) -> str:
    """Σ(d) exists at finite y only: the external-entropy figure shows the finite-y curves (left), and their
    S_I next to the y → ∞ curves of the same sets (right) → external_entropy.csv and figure.  Returns the
    report's note when no curve gives Σ (else "")."""
    from . import plots

    main_curves = [th.curves[k] for k in [(p["states"], a, "y", th.y) for p in th.panels for a in p["alphas"]]
                   if k in th.curves]
    fin = [th.curves[k] for k in [(p["states"], p["alphas"][0], "finite_y", fy) for p in th.panels
                                  for fy in finite_ys(job.cfg, p)] if k in th.curves]
    sigma_curves = [c for c in main_curves + fin if np.isfinite(np.asarray(c["Sigma"], float)).any()]
    if not sigma_curves:
        return ("not computed in this mode: Σ is not given at y → ∞ and no finite-y curve was run "
                "(the full run has them)")
    ext_rows = [{"states": c["states"], "alpha": c["alpha"], "y": c["y"], "d": c["d"][k],
                 "Sigma": c["Sigma"][k], "S_I": c["S_I"][k], "converged": c["converged"][k]}
                for c in sigma_curves for k in range(len(c["d"]))]
    job.csv("external_entropy.csv", ext_rows, "external entropy Sigma(d) and S_I(d) of the references, finite y "
            "only (Sigma is not given at y -> inf)")
    fin_sets = {c["states"] for c in sigma_curves}
    by_set = [c for st in dict.fromkeys(c["states"] for c in main_curves + fin) if st in fin_sets
              for c in main_curves + fin if c["states"] == st]  # per set: y → ∞, then finite y
    job.save(plots.external_entropy_figure(sigma_curves, finite_y=by_set), "external_entropy")
    return ""


def _figure_panel(p: dict, th: Theory) -> dict:
    """One panel of the local-entropy figure, theory only: main curves, Franz–Parisi, α = 0, notes."""
    s, a = p["states"], p["sim_alpha"]
    panel = {"title": s, "theory": [], "simulations": [], "notes": []}
    panel["theory"] = [c for c in (th.main(s, aa) for aa in p["alphas"]) if c is not None]
    fp = th.franz_parisi(s, a)
    if fp is not None:
        panel["franz_parisi"] = fp
    if th.alpha0.get(s) is not None:
        panel["alpha0"] = (th.alpha0[s]["d"], th.alpha0[s]["S_I"])
    if panel["theory"] and math.isinf(th.y) and p.get("branch_end"):
        last = max((dd for c in panel["theory"] for dd, ok in zip(c["d"], c["converged"]) if ok),
                   default=math.nan)
        panel["notes"].append(f"y → ∞ branch ends at d ≈ {p['branch_end']:g}"
                              + (f" (curve to d = {last:g})" if math.isfinite(last) else ""))
    if not panel["theory"]:
        why = (NOT_AVAILABLE if not th.have_le else
               "not computed in this mode" if not p.get("theory", True) else "failed (see report.md)")
        panel["notes"].append(f"theory S_I: {why}")
    return panel


def local_entropy_figure_part(job: Job, th: Theory, sims) -> None:
    """The local-entropy figure: per config panel the theory curves and (when simulated) the simulation
    points, ``sims`` being the :class:`numerics.figures.simulations.Simulations` of the run or None."""
    from . import plots

    panels = []
    for k, p in enumerate(job.cfg["panels"]):
        panel = _figure_panel(p, th)
        if sims is not None:
            panel["simulations"] = sims.panels[k].figure_series()
        panels.append(panel)
    job.save(plots.local_entropy_figure(panels), "local_entropy")
