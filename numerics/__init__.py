"""fewbits' numerics: the saddle-point solver, the physics problems, the analyses, simulations, figures.

The public Python API (imported lazily, so that ``import numerics`` stays cheap):

Theory (replica-symmetric, physics.md §2–3; entropies in nats per synapse, counting measure by default)
    ``solve_equilibrium(states, alpha)``        s(α) and q, Q at the Gardner saddle point
    ``entropy_curve(states, alphas)``           s(α) along a grid, by continuation
    ``capacity(states)``                        α_c, the root of s(α) = 0
    ``solve_franz_parisi(states, alpha, d)``    S_FP(d) around a typical solution (y → 0)
    ``franz_parisi_curve(states, alpha, ds)``   the same on a grid of d
    ``solve_local_entropy(states, alpha, d, y)`` S_I, Σ, Φ of the large-deviation measure at finite y
    ``solve_large_y(states, alpha, d)``         S_I at y → ∞ (the densest references)
    ``local_entropy_curve(states, alpha, y, ds)`` S_I(d) at finite y or y = math.inf
    ``alpha0_curve(states, ds)``                the exact α = 0 local entropy (H₂(d) for binary)
    ``zero_one_inputs(f, kappa)``               the keywords (κ/√(f(1−f)), bias="optimal") that make any of
                                                these the 0/1-input model with the optimal threshold
    ``alpha_u(states)``                         α_U, where the y → ∞ curve stops increasing at small d
    ``dense_region_limit(states, d)``           the radius curve: the largest α at which dense regions reach d
    ``sweep(quantity, states=…, alpha=…, d=…, y=…)`` a grid of any of these as a tidy table, on the
                                                local cores or a Dask cluster
Simulations on instances (physics.md §4)
    ``generate(states, N, alpha, seed)``, ``load_instance``, ``save_instance``
    ``enumerate_solutions(instance)``           every solution of a small instance, distance histograms
    ``bp_local_entropy(instance, reference)``   BP local entropy F(d) around a reference, swept in γ
    ``find_solution(instance, algorithm)``      rbp, fbp, cpr, edmc, sa
State sets
    ``parse_states("binary" | "symmetric:L" | "excitatory:L" | "values:v1,v2[@w1,w2]")`` → ``StateSet``

Distances are normalised (``squared``: mean (W − W̃)²/Δ², Δ = max S − min S; ``hamming``: fraction of
differing synapses).  Every theory result carries ``converged``, ``residual``, ``iterations`` and
``message``.
"""
from importlib import import_module as _import
from importlib import metadata as _md

try:
    __version__ = _md.version("fewbits")
except _md.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_API = {
    "solve_equilibrium": "numerics.problems.equilibrium",
    "entropy_curve": "numerics.problems.equilibrium",
    "capacity": "numerics.problems.equilibrium",
    "solve_franz_parisi": "numerics.problems.franz_parisi",
    "franz_parisi_curve": "numerics.problems.franz_parisi",
    "solve_local_entropy": "numerics.problems.local_entropy",
    "local_entropy_curve": "numerics.problems.local_entropy",
    "solve_large_y": "numerics.problems.large_y",
    "alpha0_curve": "numerics.problems.alpha_zero",
    "binary_entropy": "numerics.problems.alpha_zero",
    "alpha_u": "numerics.analyses.alpha_u",
    "dense_region_limit": "numerics.analyses.branches",
    "sweep": "numerics.analyses.sweep",
    "generate": "numerics.simulate.instances",
    "load_instance": "numerics.simulate.instances",
    "save_instance": "numerics.simulate.instances",
    "enumerate_solutions": "numerics.simulate.enumeration",
    "bp_local_entropy": ("numerics.simulate.bp", "local_entropy_sweep"),
    "find_solution": ("numerics.simulate.solvers", "solve"),
    "zero_one_inputs": "numerics.problems.inputs",
    "parse_states": "theory.states",
    "StateSet": "theory.states",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    """Load a public name on first use (PEP 562)."""
    if name not in _API:
        raise AttributeError(f"module 'numerics' has no attribute {name!r}")
    where = _API[name]
    module, attr = where if isinstance(where, tuple) else (where, name)
    value = getattr(_import(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
