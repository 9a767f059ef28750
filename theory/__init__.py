"""fewbits.theory: the replica free entropies of few-bit perceptrons, written once in sympy.

- :mod:`theory.states`       StateSet and its string syntax
- :mod:`theory.symbolic`     the building blocks (tilted averages, log H) and the derivation rules
- :mod:`theory.functionals`  one module per free entropy (equilibrium, ...)
- :mod:`theory.compile`      lambdify-with-cse of derived expressions into numpy evaluators
"""
from .states import StateSet, binary, symmetric, excitatory, parse_states

__all__ = ["StateSet", "binary", "symmetric", "excitatory", "parse_states"]
