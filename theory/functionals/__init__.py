"""One module per free entropy; each returns a :class:`~theory.functionals.base.Functional`."""
from .base import Functional
from .equilibrium import equilibrium

__all__ = ["Functional", "equilibrium"]
