"""Nightly sync of the centers' systems into the shared database."""
