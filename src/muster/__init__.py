"""Muster: face-recognition attendance."""

__version__ = "0.1.0"
