-- The expected rows of the mirrored naive-UTC cases (scripts/gen_dq.py, gen_performance.py), renamed tz_*.
{%- for fam, names in [('dq', ['null_rate_segments', 'freshness_segments', 'volume_daily']), ('performance', ['cls_drop_abs'])] %}
select
  {{ ml_monitor.to_string("'tz_' || case_name") }} as case_name, monitor, column_name, segment_column, segment_value,
  metric, value, threshold, baseline_value, sample_size,
  {{ expected_window_bound('window_start') }} as window_start,
  {{ expected_window_bound('window_end') }} as window_end,
  status
from {{ ref('expected_' ~ fam) }}
where case_name in ('{{ names | join("', '") }}')
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
