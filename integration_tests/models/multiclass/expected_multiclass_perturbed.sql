-- Negative control of the comparison: the expected rows with one per-class value moved by 1e-6.
-- equal_observations against it must fail (multiclass.yml proves it with error_if "<1").
select
  case_name, monitor, column_name, segment_column, segment_value, metric,
  case when case_name = 'mc_all' and metric = 'roc_auc[upmarket_card]' and segment_column is null
       then value + 0.000001 else value end as value,
  threshold, baseline_value, sample_size, window_start, window_end, status
from {{ ref('expected_multiclass') }}
