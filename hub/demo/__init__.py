"""``hub demo``: the whole platform on the embedded default, with a week of work in it.

A fresh SQLite database in the demo's own instance folder, the sixteen centers with
their demo departments, items and staff, the sample center systems served on
127.0.0.1 and a nightly sync of every center through the real runner and adapters,
then a working week in the hall (``plan``: pure, seeded) replayed through the real
services with a frozen clock (``driver``). Like the CLI, this package is a composition
root: it wires the sample systems of ``adapters`` to the hub.
"""
import datetime as dt

# The defaults of ``hub demo`` (the CLI's options and ``prepare.Options``).
DEFAULT_SEED = 2026
DEFAULT_CASES = 400
DEFAULT_TICKETS = 120  # the call center's week: calls, web messages, walk-ins
DEFAULT_WEEK = dt.date(2026, 11, 30)  # the Monday after the sample systems' exports (29 Nov)
