"""Delivery: manager reports, RM anomaly alerts and the transactional outbox that sends them.

Reports and alerts only *read* marts and ``ml.*`` (the KPIs were computed by dbt); the one
table this room writes is ``ops.outbox``. Everything leaves through :mod:`.outbox`.
"""
