-- Every data-quality metric macro on the same input, one case per block; compared with
-- seeds/expected/expected_dq.csv (computed in pandas by scripts/gen_dq.py).
{%- set input = ref('dq_input') %}
{%- set mixed_double = ref('dq_mixed_double') %}
{%- set window3 = {'period': 'day', 'count': 3} %}
{%- set cases = {
  'null_rate_segments': ml_monitor.null_rate(input, ['Feature A', 'select', 'all_null'], max_null_rate=0.2,
                                             segment_by=['segment'], timestamp_column='event_ts', window=window3, min_rows=5),
  'value_range_amount': ml_monitor.value_range(input, ['amount'], min_value=0, max_value=100,
                                               max_violation_rate=0.05, segment_by='segment'),
  'value_range_exclusive': ml_monitor.value_range(input, ['MixedCase'], min_value=0, max_value=10,
                                                  inclusive=false, max_violation_rate=0.5),
  'value_range_all_null': ml_monitor.value_range(input, ['all_null'], min_value=0, max_value=1),
  'accepted_values_select': ml_monitor.accepted_values(input, 'select', values=['a', 'b', 'c'], max_violation_rate=0.1),
  'cardinality_select': ml_monitor.cardinality(input, ['select'], min_distinct=2, max_distinct=5,
                                               reference=ref('dq_reference'), segment_by=['segment']),
  'freshness_segments': ml_monitor.freshness(input, 'event_ts', max_age={'period': 'hour', 'count': 6},
                                             segment_by=['segment']),
  'volume_daily': ml_monitor.volume(input, 'event_ts', {'period': 'day', 'count': 1}, min_count=20,
                                    reference_periods=3, min_ratio=0.5, max_ratio=2, segment_by=['segment']),
  'null_rate_empty': ml_monitor.null_rate(input, ['Feature A'], max_null_rate=0, where='1 = 0'),
  'schema_contract': ml_monitor.schema_contract(input, {'id': 'integer', 'Feature A': 'double',
                                                        'amount': 'varchar', 'missing_col': 'bigint'}),
  'value_range_min_only': ml_monitor.value_range(input, ['amount'], min_value=0, max_violation_rate=0.05),
  'value_range_max_only': ml_monitor.value_range(input, ['amount'], max_value=100, max_violation_rate=0.05),
  'value_range_min_rows': ml_monitor.value_range(input, ['amount'], min_value=0, max_value=100,
                                                 max_violation_rate=0.05, min_rows=1000),
  'accepted_values_numeric': ml_monitor.accepted_values(input, 'MixedCase', values=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
                                                        max_violation_rate=0.1),
  'schema_contract_strict': ml_monitor.schema_contract(input, {'id': 'integer', 'Feature A': 'double', 'select': 'varchar',
                                                               'MixedCase': 'integer', 'amount': 'double'},
                                                       allow_extra_columns=false),
  'volume_max_count': ml_monitor.volume(input, 'event_ts', {'period': 'day', 'count': 1}, max_count=30),
  'cardinality_numeric_types': ml_monitor.cardinality(mixed_double, ['MixedCase'], reference=input),
  'null_rate_week': ml_monitor.null_rate(input, ['Feature A'], max_null_rate=0.1, timestamp_column='event_ts',
                                         window={'period': 'week', 'count': 1}),
  'null_rate_month': ml_monitor.null_rate(input, ['Feature A'], max_null_rate=0.1, timestamp_column='event_ts',
                                          window={'period': 'month', 'count': 1}),
} %}
{%- for name, sql in cases.items() %}
select {{ ml_monitor.string_literal(name) }} as case_name, obs.*
from (
  {{ sql }}
) as obs
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
