-- depends_on: {{ ref('anomaly_events') }}
-- Volume cases 1-8 of actual_anomaly (split so that no one statement plans too many cases).
{{ anomaly_volume_part(0, 8) }}
