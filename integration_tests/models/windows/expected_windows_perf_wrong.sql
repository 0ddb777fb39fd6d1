-- The expected label-joined series with two wrong numbers in earlier windows: the overlapping
-- reference case's overall accuracy of 01-28 off by 1e-6, and the challenger's baseline (the
-- champion's AUC) of 01-28 in region north off by 1e-6. The comparison with actual_windows_perf
-- must fail on both rows (windows.yml): every window's value and baseline is looked at.
{%- set day28 = ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 28)) %}
select case_name, monitor, column_name, segment_column, segment_value, metric,
       case when case_name = 'perf_w_ref_overlap' and segment_column is null and window_start = {{ day28 }}
            then value + 0.000001 else value end as value,
       threshold,
       case when case_name = 'perf_w_challenger' and column_name = 'score_b' and segment_value = 'north'
             and window_start = {{ day28 }}
            then baseline_value + 0.000001 else baseline_value end as baseline_value,
       sample_size, status, window_start, window_end
from {{ ref('expected_windows_perf') }}
