-- The expected series with the first partly covered window's rows moved one day later: the
-- comparison with actual_windows must fail (windows.yml), proving rows are matched by window.
select case_name, monitor, column_name, segment_column, segment_value, metric, value, threshold, sample_size,
       status,
       case when window_start = {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 26)) }}
            then {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 25)) }} else window_start end as window_start,
       window_end
from {{ ref('expected_windows') }}
