"""The worker plugin of a sweep (imports ``distributed``; loaded only when a cluster is used)."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["WarmUp"]


class WarmUp(WorkerPlugin):
    """Builds the derived code a sweep needs once per worker, when the worker starts or joins
    (``needs``: (module, function, args) triples, :func:`numerics.analyses.sweep.points.derivations`)."""

    name = "fewbits-warm-up"

    def __init__(self, needs):
        self.needs = [tuple(n) for n in needs]

    def setup(self, worker=None):
        from .points import warm_up

        warm_up(self.needs)
