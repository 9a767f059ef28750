"""Results on disk, keyed by their parameters and the package version."""
