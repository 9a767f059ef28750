"""The input model: ±1 inputs (the theory's own) or 0/1 inputs of coding level f.

0/1 inputs map onto the ±1 theory exactly at leading order in N (README 'Conventions'):

    Σ_i ξ_i W_i − θ = Σ_i (ξ_i − f) W_i + (f Σ_i W_i − θ),

the centred inputs ξ_i − f give the fields of the ±1 theory scaled by √(f(1 − f)) (the same overlaps
q_ab, variance f(1 − f) per unit), and the second term is a bias set by each configuration's Σ W: its
O(√N) part fixes the mean weight (the optimal threshold leaves it free), its O(1) part is optimised by
each measure at leading order.  So the 0/1 model with the optimal threshold and margin κ is the ±1
theory with margin κ/√(f(1 − f)) and ``bias="optimal"``.  (A fixed threshold, i.e. a constrained mean
weight, is not covered.)
"""
from __future__ import annotations

import math

__all__ = ["INPUTS", "ARGUMENT_NAMES", "zero_one_inputs", "input_model"]

INPUTS = ("pm1", "01")


def zero_one_inputs(f: float, kappa: float = 0.0) -> dict:
    """The keywords of the ±1 theory for 0/1 inputs of coding level ``f`` with the optimal threshold and
    margin ``kappa`` (module docstring): ``{"kappa": kappa / sqrt(f (1 - f)), "bias": "optimal"}``, to
    pass to ``solve_equilibrium``, ``capacity``, ``solve_franz_parisi``, ``solve_large_y``, ``alpha_u``.
    At κ = 0, f drops out."""
    if not (isinstance(f, (int, float)) and 0.0 < f < 1.0):
        raise ValueError(f"f (the input coding level) must lie in (0, 1), got {f!r}")
    if not (math.isfinite(kappa) and kappa >= 0):
        raise ValueError(f"kappa must be a finite number >= 0, got {kappa}")
    return {"kappa": kappa / math.sqrt(f * (1.0 - f)), "bias": "optimal"}


#: how :func:`input_model`'s errors name its arguments (the command line passes its options' names)
ARGUMENT_NAMES = {"inputs": "inputs", "f": "f", "bias": "bias", "zero_one": "inputs='01'"}


def input_model(inputs: str = "pm1", f=None, kappa: float = 0.0, bias=0.0, *, names=None) -> dict:
    """(kappa, bias) of the ±1 theory for the input model: ``inputs="pm1"`` keeps them (``f`` must not be
    given), ``inputs="01"`` needs ``f`` and the optimal threshold (``bias`` 0, i.e. not given, or
    ``"optimal"``; a fixed bias is the fixed-threshold model, not covered).  An error names the argument
    as ``names`` spells it (default :data:`ARGUMENT_NAMES`)."""
    n = {**ARGUMENT_NAMES, **(names or {})}
    if inputs not in INPUTS:
        raise ValueError(f"{n['inputs']} must be 'pm1' or '01', got {inputs!r}")
    if inputs == "pm1":
        if f is not None:
            raise ValueError(f"{n['f']} (the input coding level) goes with {n['zero_one']}")
        return {"kappa": kappa, "bias": bias}
    if f is None:
        raise ValueError(f"{n['f']}: {n['zero_one']} needs the input coding level {n['f']} in (0, 1)")
    if bias not in (0.0, "optimal"):
        raise ValueError(f"{n['bias']}: with {n['zero_one']} the threshold is the optimal one (its O(1) part is "
                         "optimised by each measure); a fixed bias or threshold is not covered")
    return zero_one_inputs(f, kappa)
