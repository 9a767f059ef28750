"""The one interface every saddle-point problem of fewbits satisfies.

A *problem* is a free-entropy functional at fixed model parameters, made solvable:

==================  ==========================================================================
``name``            which functional: ``"equilibrium"``, ``"franz_parisi"``, ``"finite_y"``,
                    ``"large_y"``
``states``          the :class:`theory.states.StateSet` (parsed once, at the edge)
``derived()``       the derived and compiled equations (:class:`theory.derive.Derived`)
``model()``         the fixed parameters (α, κ, f_out, d, y, Δ, …) as floats
``parametrisation()`` unknowns ↔ unconstrained coordinates u (every value in its domain by
                    construction: logs, logits, Cholesky-like frames)
``nodes()``         the quadrature: nodes of every bound variable, ``nodes(values, step)``
``start(anchor)``   a start for the solver from a named anchor (``anchors`` lists them; ``None``
                    is the problem's default)
``solver_options()`` keyword arguments of :class:`~numerics.solver.saddle.SaddleProblem` (inner roots
                    of free conjugates, clamps)
``observables(res)`` the physical numbers at a solved point (s, S_I, Σ, Φ, …)
==================  ==========================================================================

:class:`SaddleBacked` builds the :class:`~numerics.solver.saddle.SaddleProblem` from these and solves
it; its result carries the solver's diagnostics (``converged``, ``residual``, ``iterations``,
``message``).  The solver, continuation and the analyses need nothing else, so a new functional is
one sympy functional in ``theory/functionals`` plus one problem class here.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Dict, Mapping, Optional, Protocol, Tuple, runtime_checkable

from theory.states import StateSet

from ..solver.saddle import Parametrisation, SaddleProblem, SaddleResult

__all__ = ["Problem", "SaddleBacked"]


@runtime_checkable
class Problem(Protocol):
    """What the solver and the analyses need of a saddle-point problem (see the module docstring)."""

    name: ClassVar[str]
    anchors: ClassVar[Tuple[str, ...]]
    states: StateSet

    def derived(self) -> Any: ...

    def model(self) -> Dict[str, float]: ...

    def parametrisation(self) -> Parametrisation: ...

    def nodes(self) -> Callable: ...

    def start(self, anchor: Optional[str] = None) -> Dict[str, float]: ...

    def solver_options(self) -> Dict[str, Any]: ...

    def observables(self, res: SaddleResult) -> Dict[str, float]: ...


class SaddleBacked:
    """Base of the problem classes: the :class:`SaddleProblem` built from the protocol's pieces, and
    ``solve``.  Subclasses define the pieces; ``solver_options`` defaults to none."""

    name: ClassVar[str] = ""
    anchors: ClassVar[Tuple[str, ...]] = ()

    def solver_options(self) -> Dict[str, Any]:
        return {}

    def saddle(self) -> SaddleProblem:
        """The iterator at this problem's model parameters (a fresh one each call)."""
        return SaddleProblem(self.derived(), self.nodes(), self.parametrisation(), self.model(),
                             **self.solver_options())

    def start(self, anchor: Optional[str] = None) -> Dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_anchor(self, anchor: Optional[str]) -> None:
        if anchor is not None and anchor not in self.anchors:
            raise ValueError(f"anchor must be one of {', '.join(self.anchors)} for the {self.name} problem, "
                             f"got {anchor!r}")

    def solve(self, init: Optional[Mapping[str, float]] = None, *, anchor: Optional[str] = None,
              **solver_kw) -> Tuple[SaddleResult, SaddleProblem]:
        """Solve from ``init`` (a neighbour's ``params``) or else from the named ``anchor``; returns the
        result and the iterator (whose ``jacobian`` and flags continuation reuses)."""
        self.check_anchor(anchor)
        x0 = dict(init) if init else self.start(anchor)
        problem = self.saddle()
        return problem.solve(x0, **solver_kw), problem
