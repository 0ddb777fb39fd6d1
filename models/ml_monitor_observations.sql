{#- The observation history. Rows are appended by the on-run-end hook
    ml_monitor.record_observations(results); this model only declares the typed table.
    It survives --full-refresh unless var ml_monitor_full_refresh is true. -#}
{{ config(
    materialized='incremental',
    full_refresh=(none if var('ml_monitor_full_refresh', false) else false),
    on_schema_change='append_new_columns',
    tags=['ml_monitor']
) }}

{{ ml_monitor.history_empty_select() }}
