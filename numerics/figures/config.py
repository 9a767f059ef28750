"""Parameters of the main job (``fewbits paper``): :data:`CONFIG`, one entry for ``--quick`` and one for
the full run, and the seed base :data:`SEED0` of its simulations (instance ``i`` uses ``SEED0 + i``)."""
from __future__ import annotations

import math

__all__ = ["CONFIG", "SEED0", "SYMMETRIC", "EXCITATORY", "NOT_AVAILABLE", "finite_ys"]

SYMMETRIC = [f"symmetric:{L}" for L in range(2, 16)]
EXCITATORY = [f"excitatory:{L}" for L in range(2, 9)]
SEED0 = 1000

# what the report and the figures say of a theory module that is not importable in this build
NOT_AVAILABLE = "not available in this build"

# Theory settings are chosen for the time budget (quick ≤ 2 min, full ≤ 15 min on 2 cores, first
# run, empty cache).
#
# - The main local-entropy curves are the y → ∞ theory ("y": math.inf; numerics.problems.large_y through
#   local_entropy_curve, continuation upwards in d).  At this order Σ is not given (NaN).  A y → ∞
#   branch ENDS where its slope dS_I/dd = Δ²Ŝ/2 reaches 0+: past it there is no solution, so each
#   panel has its own grid "ds" (overriding the global "ds" for its y → ∞ curves), kept below the
#   branch end, and "branch_end" records where the end was measured (α = 0.6, reported and written
#   in the panel).  Binary: slope 0+ near d ≈ 0.22 (converged at 0.21, no solution at 0.25 or 0.3).
#   symmetric(3): slope 1.19, 0.29, 0.083 at d = 0.10, 0.12, 0.125, no converged point at 0.1275
#   and beyond: the end is at d ≈ 0.127.  Points below d ≈ 0.02 are slow (0.03–0.04 is the floor).
# - The Franz–Parisi curves (y → 0) and the finite-y extras use the global "ds" (no branch end in
#   that range).  "finite_y" curves give the external entropy Σ(d) (external_entropy figure), which
#   the y → ∞ order does not: full mode computes y = 3 for every theory panel and y = 10 for binary
#   synapses (a panel's own "finite_y" overrides the global list: y = 10 on the six distances took 89 s for
#   binary and 154 s for symmetric(3) in the main job, 2026-12-06, both converged; with both the job took
#   13.5 min of its 15); quick mode none (time).  y = 1 (two stages, numerics.problems.unit_y: about
#   5 s a point) for binary and symmetric(3) synapses (symmetric(3) on the six distances: 22 s, 2026-12-07).
# - α_U (numerics.analyses.alpha_u): full mode computes ten sets side by side, one worker process per
#   core (numerics.figures.capacity.alpha_u_side_by_side; seconds with two searches at a time, 2026-12-07
#   late: binary 12.5, symmetric(3) 31.5, (4) 67, (5) 69, (6) 73, (7) 62, excitatory(2) 29, (3) 32,
#   (4) 44, (5) 124; about 4.5 minutes on 2 cores), so that the capacity figure shows α_U and α_U/α_c
#   from 1 to 2.8 bits; the other sets (symmetric 8…15, excitatory 6…8: 2–18 minutes each) are left to
#   `fewbits paper --alpha-u` and `fewbits alpha-u --table --scheduler local` (both fill the cache this
#   job reads), and the report says so.
CONFIG = {
    "quick": {
        "capacity_sets": SYMMETRIC[:6] + EXCITATORY[:4],
        "alpha_u_sets": [],
        "entropy_sets": ["binary", "symmetric:3", "excitatory:2", "excitatory:3"],
        "entropy_points": 10,
        "panels": [
            {"states": "binary", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 205, "enum_N": 15, "theory": True,
             "ds": [0.05, 0.1, 0.15, 0.2], "branch_end": 0.22},
            {"states": "symmetric:3", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 105, "enum_N": 10,
             "theory": False, "ds": [0.04, 0.08, 0.12], "branch_end": 0.127},
        ],
        "ds": [0.05, 0.1, 0.2],
        "dense_regions": {"sets": ["binary"], "fractions": [0.6, 0.72, 0.84], "d_min": 0.002, "points": 12,
                          "fp_points": 8},
        "y": math.inf,
        "finite_y": [],
        "radius_sets": [],
        "unit_timeout": 300.0,
        "bp_instances": 3,
        "enum_instances": 4,
        "bp_finite_size": [{"states": "binary", "alpha": 0.6, "Ns": [205, 405], "instances": 3,
                            "d_range": [0.03, 0.2]}],
    },
    "full": {
        "capacity_sets": SYMMETRIC + EXCITATORY,
        "alpha_u_sets": ["binary", "symmetric:3", "symmetric:4", "symmetric:5", "symmetric:6", "symmetric:7",
                         "excitatory:2", "excitatory:3", "excitatory:4", "excitatory:5"],
        "entropy_sets": ["binary", "symmetric:3", "symmetric:5", "excitatory:2", "excitatory:3", "excitatory:5"],
        "entropy_points": 30,
        "panels": [
            {"states": "binary", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 1005, "enum_N": 25, "theory": True,
             "ds": [0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.18, 0.21], "branch_end": 0.22, "finite_y": [1.0, 3.0, 10.0]},
            {"states": "symmetric:3", "alphas": [0.6], "sim_alpha": 0.6, "bp_N": 505, "enum_N": 15,
             "theory": True, "ds": [0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.125], "branch_end": 0.127,
             "finite_y": [1.0, 3.0]},
        ],
        # 0.19, not 0.2: symmetric(3) at α = 0.6 has its typical distance d* = 2(Q − q)/Δ² = 0.207, where the
        # finite-y saddle point is degenerate (the probes become typical: q1 − q0 meets its bound), and
        # y = 3 at d = 0.2 stops at a residual of 9e-7 (an open solver problem, like Franz–Parisi within
        # ~5e-4 of d*); 0.19 converges (the curve 0.04 … 0.25: 143 s)
        "ds": [0.04, 0.06, 0.1, 0.15, 0.19, 0.25],
        # the dense regions at small d (numerics.figures.dense_regions): y → ∞ curves from d = 0.002 to
        # 0.97 of the branch end at 0.6, 0.72, 0.84 α_c (binary 0.5, 0.6, 0.7; all below α_U: binary
        # 0.906 α_c, symmetric(3) 0.924, excitatory(3) 0.944); about 20 s per curve
        # and the Franz–Parisi curve at the middle load (12 distances from d_min to 0.3: 8-10 s per set)
        "dense_regions": {"sets": ["binary", "symmetric:3", "excitatory:3"], "fractions": [0.6, 0.72, 0.84],
                          "d_min": 0.002, "points": 25, "fp_points": 12},
        "y": math.inf,
        "finite_y": [3.0],
        # the radius curve α(d) beside α_U (numerics.analyses.radius, d = 0.02 … 0.005; seconds on one
        # core, 2026-12-06: binary 31-38, symmetric(3) ~120, excitatory(3) ~250, mostly distances above the
        # dip, where the curve is not defined); other sets: `fewbits alpha-u --states S --radius D ...`
        "radius_sets": ["binary", "symmetric:3"],
        "unit_timeout": 420.0,
        "bp_instances": 6,
        "enum_instances": 12,
        # BP around reinforced-BP solutions against y → ∞ at three sizes, both on the relaxed form
        # (numerics.figures.finite_size; ~1.5 min of units in all)
        "bp_finite_size": [{"states": "binary", "alpha": 0.6, "Ns": [1005, 2005, 4005], "instances": 6,
                            "d_range": [0.03, 0.2]},
                           {"states": "symmetric:3", "alpha": 0.6, "Ns": [1005, 2005, 4005], "instances": 6,
                            "d_range": [0.03, 0.12]}],
    },
}


def finite_ys(cfg: dict, panel: dict) -> list:
    """The finite y of a panel's extra curves: its own ``"finite_y"`` list, else the mode's."""
    return list(panel.get("finite_y", cfg["finite_y"]))
