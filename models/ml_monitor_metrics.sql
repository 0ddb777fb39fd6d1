{#- The metric store: the latest evaluation of every (test, column, segment, metric, window).
    A view over the audit log ml_monitor_observations (see macros/history/metric_store.sql):
    it can never disagree with the log, never holds a duplicate, and needs no writer of its own.
    The log only grows by the windows a run evaluates (incremental refresh), so the view stays
    small to compute. Disable it together with ml_monitor_observations. -#}
{{ config(materialized='view', tags=['ml_monitor']) }}

{{ ml_monitor.metric_store_sql(ref('ml_monitor_observations')) }}
