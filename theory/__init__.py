"""fewbits.theory: the replica free entropies of few-bit perceptrons, written once in sympy.

- :mod:`theory.states`       StateSet and its string syntax
- :mod:`theory.symbolic`     the building blocks (tilted averages, log H) and the derivation rules
- :mod:`theory.functionals`  one module per free entropy (equilibrium, ...)
- :mod:`theory.derive`       the stationarity equations and fixed-point scheme of a functional
- :mod:`theory.derived`      what derive returns (:class:`Derived`; no sympy)
- :mod:`theory.compile`      lambdify-with-cse of derived expressions into numpy evaluators
- :mod:`theory.codegen`      the Python source of compiled sets
- :mod:`theory.codecache`    that source cached on disk (``FEWBITS_CACHE``, else the user cache folder)
- :mod:`theory.recipes`      derived equations by name, loaded from that cache without importing sympy
"""
from .states import StateSet, binary, symmetric, excitatory, parse_states

__all__ = ["StateSet", "binary", "symmetric", "excitatory", "parse_states"]
