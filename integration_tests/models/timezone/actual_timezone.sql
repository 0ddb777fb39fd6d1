{#- The time-zone rule (cross_db/timestamps.sql): cases of the dq and performance families run
    again on time-zone-aware timestamp columns holding the same instants. Whatever the session
    time zone (cli/tests/test_timezones.py runs UTC, America/New_York and Asia/Tokyo), every
    row must equal the naive-UTC case's expected row (expected_timezone). -#}
{%- set events = ref('tz_events') %}
{%- set preds = ref('tz_predictions') %}
{%- set labels = ref('tz_labels') %}
{%- set cases = [] %}
{%- if execute %}
{%- do cases.append(('tz_null_rate_segments', ml_monitor.null_rate(events, ['Feature A', 'select', 'all_null'], max_null_rate=0.2,
      segment_by=['segment'], timestamp_column='event_ts', window={'period': 'day', 'count': 3}, min_rows=5))) %}
{%- do cases.append(('tz_freshness_segments', ml_monitor.freshness(events, 'event_ts', max_age={'period': 'hour', 'count': 6},
      segment_by=['segment']))) %}
{%- do cases.append(('tz_volume_daily', ml_monitor.volume(events, 'event_ts', {'period': 'day', 'count': 1}, min_count=20,
      reference_periods=3, min_ratio=0.5, max_ratio=2, segment_by=['segment']))) %}
{%- do cases.append(('tz_cls_drop_abs', ml_monitor.performance(preds, metric='roc_auc', score_column='score',
      max_drop={'absolute': 0.1}, reference_window={'period': 'day', 'count': 14}, segment_by=['region'],
      labels=labels, join_key='id', label_column='label', label_timestamp_column='label_ts',
      timestamp_column='prediction_ts', label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14}))) %}
{%- endif %}
{{ union_cases(cases) }}
