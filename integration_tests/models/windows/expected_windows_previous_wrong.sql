-- The expected series with two wrong previous-window values: the overall PSI of f in the newest
-- window (against the window before it) of psi_drift and of prediction_drift, each off by 1e-6.
-- The comparison with actual_windows must report both rows (windows.yml: error_if "<2"),
-- proving the previous-window cases are compared value by value.
select case_name, monitor, column_name, segment_column, segment_value, metric,
       case when case_name in ('psi_windows_previous', 'prediction_drift_windows_previous')
             and column_name = 'f' and metric = 'psi' and segment_column is null
             and window_start = {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 30)) }}
            then value + 0.000001
            else value end as value,
       threshold, baseline_value, sample_size, status, window_start, window_end
from {{ ref('expected_windows') }}
