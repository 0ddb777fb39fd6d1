{#- Frozen CBPE calibration maps (estimated_performance with `calibration_map: <name>`). Rows are
    written only by the explicit operation
      dbt run-operation ml_monitor.freeze_calibration --args '{...}'
    never by `dbt build`; this model only declares the typed table. It survives --full-refresh
    unless var ml_monitor_full_refresh is true. -#}
{{ config(
    materialized='incremental',
    full_refresh=(none if var('ml_monitor_full_refresh', false) else false),
    on_schema_change='append_new_columns',
    tags=['ml_monitor']
) }}

{{ ml_monitor._calibration_maps_empty_select() }}
