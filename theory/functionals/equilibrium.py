"""Replica-symmetric equilibrium (Gardner) free entropy of the L-state perceptron (physics.md §2).

    s(α) = extr_{Q,q,A,q̂} { ½ A Q − ½ q̂ (Q − q)
                            + E_z log Σ_W π(W) exp(−½ A W² + √q̂ z W)
                            + α E_z [ f_out log H((κ − b − √q z)/√(Q−q))
                                      + (1 − f_out) log H((κ + b − √q z)/√(Q−q)) ] }

Conventions: ``Q = (1/N) Σ W²`` is the self-overlap, ``q`` the overlap of two solutions, ``A`` the
conjugate of Q with the ``−½ A W²`` sign, ``q̂ ≥ 0`` the conjugate of q.  With the counting measure
(π ≡ 1) s is the log-number of solutions per synapse (natural log).  The derived stationarity
conditions are Q = E⟨W²⟩, q = E⟨W⟩², q̂ = −2α ∂_q G_E and A − q̂ = −2α ∂_Q G_E.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..symbolic import LogH, LogSum, gauss
from .base import Functional

__all__ = ["equilibrium", "SYMBOLS"]

Q, q, A, qh = sp.symbols("Q q A qhat", positive=True)
alpha, kappa, b, f_out = sp.symbols("alpha kappa b f_out", real=True)
z, W = sp.symbols("z W", real=True)
SYMBOLS = dict(Q=Q, q=q, A=A, qhat=qh, alpha=alpha, kappa=kappa, b=b, f_out=f_out, z=z, W=W)


@lru_cache(maxsize=None)
def equilibrium() -> Functional:
    """The RS equilibrium functional (cached: it is immutable)."""
    trace = A * Q / 2 - qh * (Q - q) / 2
    entropic = gauss(LogSum(-A * W**2 / 2 + sp.sqrt(qh) * z * W, W), z)
    width = sp.sqrt(Q - q)
    energetic = gauss(
        f_out * LogH((kappa - b - sp.sqrt(q) * z) / width)
        + (1 - f_out) * LogH((kappa + b - sp.sqrt(q) * z) / width),
        z,
    )
    return Functional(
        name="equilibrium",
        order=(Q, q),
        conjugates=(A, qh),
        model=(alpha, kappa, b, f_out),
        alpha=alpha,
        trace=trace,
        entropic=entropic,
        energetic=energetic,
        gaussian=(z,),
        state_vars=(W,),
        bound=(z, W),
        extremised=(b,),
        domains={Q: "Q > 0", q: "0 <= q < Q", qh: "qhat >= 0"},
        description=__doc__,
    )
