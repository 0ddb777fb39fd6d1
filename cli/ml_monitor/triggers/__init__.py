"""Retraining triggers: rules over the observations and the metric store (`triggers:` in ml_monitor.yml).

rules.py: the rule language and its pure evaluation; store.py: reading the metric store and the
manifest through dbt; lifecycle.py: fire once, hold without re-firing, resolve (state file + outbox).
"""
