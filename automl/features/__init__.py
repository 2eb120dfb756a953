"""Preprocessing built from the profile (filled in by the fit work)."""
