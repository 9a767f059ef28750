"""Per-synapse distances between a configuration W and a reference W~ (physics.md §1).

``squared`` (default): ``d = (1/N) sum_i (W_i - W~_i)^2 / Delta^2`` with ``Delta = max S - min S``
(for +-1 synapses it is the Hamming fraction).  ``hamming``: ``d = (1/N) #{i : W_i != W~_i}``.
Both lie in [0, 1].
"""
from __future__ import annotations

import numpy as np

from theory.states import StateSet

DISTANCES = ("squared", "hamming")

__all__ = ["DISTANCES", "site_distance_table", "distance", "check_distance"]


def check_distance(kind: str) -> str:
    if kind not in DISTANCES:
        raise ValueError(f"distance: must be one of {', '.join(DISTANCES)}, got {kind!r}")
    return kind


def site_distance_table(states: StateSet, reference, kind: str = "squared") -> np.ndarray:
    """``D[i, k]`` = distance contribution of synapse i taking state ``s_k`` (N x L, float64)."""
    check_distance(kind)
    s = states.array
    ref = np.asarray(reference, dtype=np.float64)
    if kind == "squared":
        return (s[None, :] - ref[:, None]) ** 2 / states.spread ** 2
    return (s[None, :] != ref[:, None]).astype(np.float64)


def distance(W, reference, states: StateSet, kind: str = "squared") -> float:
    """Distance per synapse between two configurations (values, not indices)."""
    check_distance(kind)
    W = np.asarray(W, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if kind == "squared":
        return float(np.mean((W - ref) ** 2) / states.spread ** 2)
    return float(np.mean(W != ref))
