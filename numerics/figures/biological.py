"""Part 1b of the main job: the bits table of the biological model (issue 21) → ``capacity_bio.csv``,
``capacity_bio.{pdf,png}`` and a table in the report.

The model: sign-constrained synapses {0, …, L−1} (``excitatory:L``), 0/1 inputs of coding level f, an
output coding level f_out and the optimal threshold, κ = 0.  With 0/1 inputs the field is exactly
Σ_i ξ_i W_i − θ = Σ_i (ξ_i − f) W_i + (f Σ_i W_i − θ): centred inputs (a Gaussian field of variance
f(1 − f) Q per √N, the same covariances q_ab as ±1 inputs up to that factor) plus a shift that depends on
the configuration only through K = Σ_i W_i.  With θ = f m₀ N + O(√N) the shift is O(1) — an output bias
b — for configurations with K/N within O(1/√N) of m₀; moving K by O(√N) changes the entropic part by
O(√N) only, so at leading order b is free and takes the value that maximises the free entropy of the
measure in question, and m₀ is the mean weight the threshold imposes (with the optimal threshold: the
unconstrained one).  At κ = 0 the factor f(1 − f) drops out.  So the model is the ±1-input theory of
``excitatory:L`` with the optimal bias: at equilibrium (α_c: :func:`~numerics.problems.equilibrium.capacity`
with ``bias="optimal"``) and at y → ∞ (α_U: :func:`~numerics.analyses.alpha_u.alpha_u` with
``bias="optimal"``, b maximising φ∞ at each point).  At f_out = ½ the optimal bias is 0 at both levels
(both free entropies are even in b), so α_c and α_U are those of the capacity table; at f_out = 0.1
α_U is computed with ``--alpha-u`` (about 1.5–5 minutes per set) or read from the cache.
"""
from __future__ import annotations

import math

from .job import Job
from .progress import step

__all__ = ["BIO_SETS", "BIO_F_OUT", "bio_rows", "biological_part"]

BIO_SETS = [f"excitatory:{L}" for L in range(2, 9)]
BIO_F_OUT = (0.5, 0.1)


def _capacity(job: Job, states: str, f_out: float) -> dict:
    from ..storage.cache import cached

    def compute():
        from ..problems.equilibrium import capacity

        c = capacity(states, f_out=f_out, bias="optimal")
        b = c.saddle.params.get("b", 0.0) if c.saddle is not None else math.nan
        return {"alpha_c": c.alpha_c, "b": b, "converged": bool(c.converged), "message": c.message}

    return cached(job.cache, {"kind": "capacity", "states": states, "kappa": 0.0, "f_out": f_out, "bias": "optimal"},
                  compute)


def _alpha_u(job: Job, states: str, f_out: float, compute_missing: bool):
    """α_U with the optimal bias at y → ∞ (cached); None where not cached and not to be computed."""
    from ..storage.cache import cached, load

    key = {"kind": "alpha_u", "states": states, "kappa": 0.0, "f_out": f_out, "bias": "optimal", "y": "inf"}
    if not compute_missing:
        hit, value = load(job.cache, key)
        return value if hit else None

    def compute():
        from ..analyses.alpha_u import alpha_u

        r = alpha_u(states, f_out=f_out, bias="optimal")
        return {"alpha_U": r.alpha_U, "interval": list(r.interval), "converged": bool(r.converged),
                "message": r.message}

    return cached(job.cache, key, compute)


def bio_rows(job: Job, table: list, compute_alpha_u: bool = False) -> list:
    """One row per (set, f_out): α_c, the optimal bias b at α_c, α_U (f_out = ½: the capacity table's,
    the bias being 0 there; otherwise the optimal-bias search, cached) and α_U/α_c."""
    from theory.states import parse_states

    rows = []
    with job.bar(len(BIO_SETS) * len(BIO_F_OUT), "biological model") as bar:
        for f_out in BIO_F_OUT:
            for name in BIO_SETS:
                S = parse_states(name)
                c = _capacity(job, name, f_out)
                if f_out == 0.5:
                    t = next((r for r in table if parse_states(r["states"]) == S), {})
                    au = {"alpha_U": t.get("alpha_U", math.nan),
                          "interval": [t.get("alpha_U_lo", math.nan), t.get("alpha_U_hi", math.nan)],
                          "converged": t.get("alpha_U_converged", "")}
                else:
                    au = _alpha_u(job, name, f_out, compute_alpha_u) or {}
                a_u = au.get("alpha_U", math.nan)
                a_u = math.nan if a_u is None else float(a_u)
                rows.append({"states": name, "L": S.L, "bits": S.bits, "f_out": f_out, "alpha_c": c["alpha_c"],
                             "bias_at_alpha_c": c["b"], "alpha_c_converged": c["converged"], "alpha_U": a_u,
                             "alpha_U_lo": (au.get("interval") or [math.nan, math.nan])[0],
                             "alpha_U_hi": (au.get("interval") or [math.nan, math.nan])[1],
                             "alpha_U_over_alpha_c": a_u / c["alpha_c"] if math.isfinite(a_u) else math.nan})
                if not c["converged"]:
                    job.failures.append(f"α_c {name} f_out={f_out} (optimal threshold)")
                step(bar, f"{name} f_out={f_out:g}")
    return rows


def _report(rows: list) -> list:
    lines = ["", "## Biological model: sign-constrained synapses, 0/1 inputs, optimal threshold (κ = 0)", "",
             "0/1 inputs map exactly onto centred inputs plus a shift set by Σ W (numerics/figures/biological.py): "
             "the model is excitatory:L with the bias that maximises each measure's free entropy (equilibrium "
             "for α_c, y → ∞ for α_U). At f_out = ½ that bias is 0, so α_U is the capacity table's.", "",
             "| set | bits | f_out | α_c | b at α_c | α_U | α_U/α_c |", "|---|---|---|---|---|---|---|"]

    def fmt(v, n=4):
        return f"{v:.{n}f}" if isinstance(v, (int, float)) and math.isfinite(v) else "—"

    for r in rows:
        lines.append(f"| {r['states']} | {r['bits']:.2f} | {r['f_out']:g} | {fmt(r['alpha_c'])} | "
                     f"{fmt(r['bias_at_alpha_c'])} | {fmt(r['alpha_U'])} | {fmt(r['alpha_U_over_alpha_c'], 3)} |")
    if any(not math.isfinite(r["alpha_U"]) for r in rows):
        lines += ["", "— : α_U not computed in this run (`fewbits paper --alpha-u` computes it, about 1.5–5 minutes "
                  "per set at f_out = 0.1)."]
    return lines


def biological_part(job: Job, table: list, compute_alpha_u: bool = False) -> list:
    """capacity_bio.csv, the capacity_bio figure and the report lines (returned)."""
    from . import plots

    rows = bio_rows(job, table, compute_alpha_u)
    job.csv("capacity_bio.csv", rows, "biological model: excitatory:L synapses, 0/1 inputs, optimal threshold, "
            "kappa=0 (= excitatory:L with the optimal bias; numerics/figures/biological.py); alpha_U at y -> inf "
            "with the bias optimal at each point; empty where not computed")
    job.save(plots.capacity_bio_figure(rows), "capacity_bio")
    return _report(rows)
