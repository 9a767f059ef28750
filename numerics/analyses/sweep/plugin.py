"""The worker plugin of a sweep (imports ``distributed``; loaded only when a cluster is used)."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["WarmUp", "show_warning"]


class WarmUp(WorkerPlugin):
    """Builds the derived code a sweep needs once per worker, when the worker starts or joins
    (``needs``: (module, function, args) triples, :func:`numerics.analyses.sweep.points.derivations`)."""

    name = "fewbits-warm-up"

    def __init__(self, needs):
        self.needs = [tuple(n) for n in needs]

    def setup(self, worker=None):
        import warnings

        from .points import warm_up

        warnings.showwarning = show_warning  # the worker's warnings read like the command line's
        warm_up(self.needs)


def show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning raised on a worker, in the command line's form (``fewbits: warning: ...``) with the
    worker's process id, instead of Python's file:line form."""
    import os
    import sys

    print(f"fewbits: warning (worker process {os.getpid()}): {message}", file=sys.stderr if file is None else file,
          flush=True)
