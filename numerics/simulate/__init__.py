"""Single-instance simulations (physics.md §4): random instances, exhaustive enumeration, BP local
entropy with a reference coupling, and solvers (reinforced BP, focusing BP, clipped perceptron with
reinforcement, entropy-driven Monte Carlo, simulated annealing).

Shares nothing with :mod:`theory` except :class:`theory.states.StateSet`, so that agreement between
the two is a real check.
"""
from .instances import Instance, generate, load_instance, save_instance  # noqa: F401

__all__ = ["Instance", "generate", "load_instance", "save_instance"]
