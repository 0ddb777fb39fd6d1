-- The expected series with two wrong values: the newest window's overall null rate off by 1e-6,
-- and 0 where an empty window has no PSI (a value on one side only). The comparison with
-- actual_windows must fail on both (windows.yml), proving it looks at every window's value.
select case_name, monitor, column_name, segment_column, segment_value, metric,
       case when case_name = 'null_rate_windows' and segment_column is null
             and window_start = {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 30)) }}
            then value + 0.000001
            when case_name = 'psi_windows_fixed' and column_name = 'f' and segment_column is null
             and window_start = {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 27)) }}
            then 0.0
            else value end as value,
       threshold, sample_size, status, window_start, window_end
from {{ ref('expected_windows') }}
