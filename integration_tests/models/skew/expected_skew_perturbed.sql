-- Negative control of the comparison: the expected rows with one value moved by 1e-6.
-- equal_observations against it must fail (skew.yml proves it with error_if "<1").
select
  case_name, monitor, column_name, segment_column, segment_value, metric,
  case when case_name = 'skew_segments' and metric = 'mismatch_rate' and column_name = 'income'
            and segment_column is null
       then value + 0.000001 else value end as value,
  threshold, baseline_value, sample_size, window_start, window_end, status
from {{ ref('expected_skew') }}
