"""The saddle-point iterator, its strategies, continuation and quadrature (knows no physics).

* :mod:`.saddle` — :class:`~.saddle.SaddleProblem` (the iterator: sweeps, the solve's stages, the
  result with its diagnostics), :class:`~.saddle.SaddleResult`, :class:`~.saddle.Parametrisation`;
* :mod:`.strategies` — damped fixed point, Newton–Broyden (backtracking, rank-one update, stall
  rule), the hand-over to MINPACK hybr;
* :mod:`.inner_root` — the one-dimensional root of a free conjugate's equation, with jump detection;
* :mod:`.continuation` — the secant predictor; :mod:`.quadrature` — Gauss rules and the maximiser.
"""
