"""Connectors between the centers' own systems and the hub (one module per kind of source)."""
