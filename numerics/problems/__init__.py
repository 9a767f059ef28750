"""The physics problems solved by the iterator: equilibrium, Franz–Parisi, finite y, y → ∞."""
