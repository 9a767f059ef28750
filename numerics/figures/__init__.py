"""Figures, their style, and the main job (``fewbits paper``)."""
