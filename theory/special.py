"""The special functions the compiled code calls, in forms stable for every real argument.

``LogH`` → :func:`log_H` (log H(x), H(x) = ½ erfc(x/√2), via ``log_ndtr(−x)``), ``GH`` → :func:`G_over_H`
(G(x)/H(x) via ``erfcx``; never log(erfc), which underflows past x ≈ 26), ``Neq`` → 1[a ≠ b],
``Tied`` → :func:`tied` (a rounding residue of a tied maximum set to 0).
:data:`NUMERIC_FUNCTIONS` maps the symbolic atoms of :mod:`theory.symbolic` to them; both the
evaluator (:mod:`theory.compile`) and the generated source (:mod:`theory.codegen`) take them from here.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erfcx, log_ndtr

__all__ = ["log_H", "G_over_H", "NUMERIC_FUNCTIONS"]

_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_SQRT_HALF = np.sqrt(0.5)


def log_H(x):
    """log H(x) = log ½ erfc(x/√2), stable for all real x (log_ndtr(-x))."""
    return log_ndtr(-np.asarray(x, dtype=float))


def G_over_H(x):
    """G(x)/H(x) = √(2/π) / erfcx(x/√2), stable for all real x (→ x for x → +∞, → 0 for x → −∞)."""
    return _SQRT_2_OVER_PI / erfcx(np.asarray(x, dtype=float) * _SQRT_HALF)


def _neq(a, b):
    return np.not_equal(a, b).astype(float)


TIED_BELOW = 2.0 ** -40


def tied(x):
    """x with |x| < 2⁻⁴⁰ set to exactly 0 (:class:`theory.symbolic.Tied`: a rounding residue of a
    tied maximum, so that the small terms added to it keep their full relative precision)."""
    x = np.asarray(x, dtype=float)
    return np.where(np.abs(x) < TIED_BELOW, 0.0, x)


NUMERIC_FUNCTIONS = {"LogH": log_H, "GH": G_over_H, "Neq": _neq, "Tied": tied}
