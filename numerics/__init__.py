"""fewbits.numerics: quadrature, the saddle-point iterator, curves and thresholds, simulations, plots."""
from importlib import metadata as _md

try:
    __version__ = _md.version("fewbits")
except _md.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
