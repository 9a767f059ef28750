"""The saddle-point iterator, its strategies, continuation and quadrature (knows no physics)."""
