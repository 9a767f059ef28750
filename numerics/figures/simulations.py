"""Part 4 of the main job: simulations at modest N → ``local_entropy_sim.csv``, ``enumeration_entropy.csv``.

Per config panel (states, α = ``sim_alpha``): BP local entropy F(d) around reinforced-BP solutions
(``bp_instances`` instances of N = ``bp_N``, default γ sweep) and exhaustive enumeration
(``enum_instances`` instances of N = ``enum_N``): the exact (1/N) log count around a uniformly drawn
(typical) and around the densest solution, and the equilibrium entropy (1/N) log #solutions against the
RS s(α) at α = M/N.  Instance ``i`` uses seed ``SEED0 + i``.  Means are over instances, error bars
standard errors (std/√n, ddof = 1); unsolved instances and non-converged BP runs are excluded and
counted in the simulation notes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .compare import aggregate_bp, aggregate_enum
from .config import SEED0
from .job import Job
from .progress import step
from .units import bp_instance_unit, entropy_point_unit, enum_instance_unit

__all__ = ["SimPanel", "Simulations", "simulations_part", "ENUM_KINDS"]

# (histogram, theory curve it is compared with, method name in the CSVs)
ENUM_KINDS = (("typical", "fp", "enum_typical"), ("densest", "y", "enum_densest"))


@dataclass
class SimPanel:
    """The simulations of one config panel ``p``: the cached instance units, the BP means (``bp_rows``,
    with the numbers of unsolved instances and excluded BP runs) and, per histogram kind, the
    enumeration means and the number of instances that have one."""

    p: dict
    bp_units: list
    en_units: list
    bp_rows: list
    unsolved: int
    excluded: int
    enum: dict

    @property
    def n_solved(self) -> int:
        return len(self.bp_units) - self.unsolved

    def sim_rows(self) -> list:
        """Rows of local_entropy_sim.csv: BP, then typical and densest enumeration."""
        s, a, N_en = self.p["states"], self.p["sim_alpha"], self.p["enum_N"]
        rows = [{"states": s, "method": "bp_rbp", "N": self.p["bp_N"], "M": self.bp_units[0]["M"], "alpha": a,
                 "n_instances": r["n"], "gamma": r["gamma"], "d": r["d"], "d_err": r["d_err"], "S": r["S"],
                 "S_err": r["S_err"]} for r in self.bp_rows]
        for which, _, mk in ENUM_KINDS:
            rows += [{"states": s, "method": mk, "N": N_en, "M": self.en_units[0]["M"], "alpha": a,
                      "n_instances": r["n"], "gamma": math.nan, "d": r["d"], "d_err": 0.0, "S": r["S"],
                      "S_err": r["S_err"]} for r in self.enum[which][0]]
        return rows

    def figure_series(self) -> list:
        """The simulation series of the panel's figure (those with points): BP, typical, densest."""
        out = []
        if self.bp_rows:
            out.append({"label": f"BP, rBP solutions (N={self.p['bp_N']}, {self.n_solved} inst.)",
                        "d": [r["d"] for r in self.bp_rows], "S": [r["S"] for r in self.bp_rows],
                        "S_err": [r["S_err"] for r in self.bp_rows], "d_err": [r["d_err"] for r in self.bp_rows]})
        for which, _, _ in ENUM_KINDS:
            pts, n_inst = self.enum[which]
            if pts:
                out.append({"label": f"enumeration, {which} (N={self.p['enum_N']}, {n_inst} inst.)",
                            "d": [r["d"] for r in pts], "S": [r["S"] for r in pts], "S_err": [r["S_err"] for r in pts]})
        return out


@dataclass
class Simulations:
    """The simulations of a run: one :class:`SimPanel` per config panel, the rows of
    enumeration_entropy.csv, and the rows of comparison.csv (filled by
    :func:`numerics.figures.comparison.comparison_part`)."""

    panels: list
    enum_rows: list
    cmp_rows: list


def run_instances(job: Job) -> list:
    """The cached BP and enumeration instance units of every panel, in order (a progress bar over them):
    a list of (bp_units, en_units) per panel."""
    cfg = job.cfg
    n_units = sum(cfg["bp_instances"] + cfg["enum_instances"] for _ in cfg["panels"])
    out = []
    with job.bar(n_units, "simulations") as bar:
        for p in cfg["panels"]:
            s, a = p["states"], p["sim_alpha"]
            bp_units, en_units = [], []
            for i in range(cfg["bp_instances"]):
                bp_units.append(bp_instance_unit(s, p["bp_N"], a, i, job.cache))
                step(bar, f"{s} BP N={p['bp_N']} #{i}")
            for i in range(cfg["enum_instances"]):
                en_units.append(enum_instance_unit(s, p["enum_N"], a, i, job.cache))
                step(bar, f"{s} enum N={p['enum_N']} #{i}")
            out.append((bp_units, en_units))
    return out


def _enum_points(en_units: list, which: str, N: int):
    """Mean ± SE over instances of S = (1/N) log count at each distance (:func:`aggregate_enum`), and
    the number of instances with a ``which`` histogram."""
    erows, n_inst = aggregate_enum(en_units, which)
    pts = []
    for r in erows:
        S_i = np.log(r["counts"]) / N
        pts.append({"d": r["d"], "S": S_i.mean(), "S_err": S_i.std(ddof=1) / math.sqrt(len(S_i)), "n": len(S_i)})
    return pts, n_inst


def sim_panel(job: Job, p: dict, bp_units: list, en_units: list) -> SimPanel:
    """Means over instances of one panel; unsolved instances and non-converged BP runs go to the notes."""
    s = p["states"]
    brows, unsolved, excl = aggregate_bp(bp_units)
    if unsolved:
        job.notes.append(f"{s}: rBP failed to solve {unsolved} of {len(bp_units)} instances at N={p['bp_N']} "
                         f"(excluded)")
    if excl:
        job.notes.append(f"{s}: {excl} (instance, γ) BP runs did not converge (excluded from means)")
    enum = {which: _enum_points(en_units, which, p["enum_N"]) for which, _, _ in ENUM_KINDS}
    return SimPanel(p, bp_units, en_units, brows, unsolved, excl, enum)


def enumeration_row(job: Job, sp: SimPanel) -> dict:
    """The equilibrium entropy of one panel: (1/N) log #solutions (mean ± SE over the instances with
    solutions) against the RS s(α) at the instances' α = M/N (a non-converged s(α) is a failure)."""
    s, N_en, en_units = sp.p["states"], sp.p["enum_N"], sp.en_units
    logs = np.array([math.log(u["n_solutions"]) / N_en if u["n_solutions"] else -math.inf for u in en_units])
    a_act = en_units[0]["alpha_actual"]
    th_s = entropy_point_unit(s, a_act, job.cache)
    if not th_s["converged"]:
        job.failures.append(f"s(α={a_act}) {s}")
    fin = logs[np.isfinite(logs)]
    return {"states": s, "N": N_en, "M": en_units[0]["M"], "alpha": a_act, "n_instances": len(logs),
            "n_with_solutions": len(fin), "mean_log_count_over_N": fin.mean() if len(fin) else math.nan,
            "stderr": fin.std(ddof=1) / math.sqrt(len(fin)) if len(fin) > 1 else math.nan, "s_theory": th_s["s"]}


def simulations_part(job: Job) -> Simulations:
    """Run (or read from the cache) every instance, average → local_entropy_sim.csv and
    enumeration_entropy.csv."""
    panels = [sim_panel(job, p, *units) for p, units in zip(job.cfg["panels"], run_instances(job))]
    enum_rows = [enumeration_row(job, sp) for sp in panels]
    job.csv("local_entropy_sim.csv", [r for sp in panels for r in sp.sim_rows()],
            f"simulation local entropy (nats/synapse), squared distance; mean +- standard error over "
            f"instances; instance i uses seed {SEED0}+i; bp_rbp: BP Legendre transform around reinforced-BP "
            f"solutions (relaxed BP, numerics.simulate.relaxed_bp; default gamma sweep); enum_typical / enum_densest: exact (1/N) log count around a "
            f"uniformly drawn / the densest solution (distances with a count > 0 in every instance)")
    job.csv("enumeration_entropy.csv", enum_rows,
            "(1/N) log #solutions by exhaustive enumeration vs the RS entropy s(alpha) at alpha = M/N")
    return Simulations(panels, enum_rows, [])
