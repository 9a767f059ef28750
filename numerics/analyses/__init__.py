"""Analyses built on the problems: α_U, the branches above it, ladder checks."""
