-- depends_on: {{ ref('anomaly_events') }}
-- Volume cases 9-16 of actual_anomaly (split so that no one statement plans too many cases).
{{ anomaly_volume_part(8, 16) }}
