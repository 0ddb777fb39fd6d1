{{ config(enabled=(target.type not in ['spark', 'databricks'])) }}  {#- Spark: see docs/anomaly-detection.md, Cost -#}
-- depends_on: {{ ref('anomaly_events') }}
-- Volume cases 9-16 of actual_anomaly (split so that no one statement plans too many cases).
{{ anomaly_volume_part(8, 16) }}
