-- The expected series with one value off by 1e-6 (the newest window's overall null rate): the
-- comparison with actual_windows must fail (windows.yml), proving it looks at every window's value.
select case_name, monitor, column_name, segment_column, segment_value, metric,
       case when case_name = 'null_rate_windows' and segment_column is null
             and window_start = {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 30)) }}
            then value + 0.000001 else value end as value,
       threshold, sample_size, status, window_start, window_end
from {{ ref('expected_windows') }}
