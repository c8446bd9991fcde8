"""Synthetic landing zone for the marketplace warehouse.

``python -m sample_data.generate --out DIR --users N --days D --seed S`` writes files that follow
the upstream contract (``<root>/<system>/<table>/<batch>.<ext>``) plus a ``_truth/`` folder used
only to score the warehouse. The entry point for code is ``sample_data.generate.generate``.
"""
