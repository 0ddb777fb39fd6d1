-- The expected anomaly rows with one score off by 1e-6 (case clean): the comparison with
-- actual_anomaly must fail (anomaly.yml), proving it reads the anomaly rows' values.
select case_name, monitor, column_name, segment_column, segment_value, metric,
       case when case_name = 'clean' then value + 0.000001 else value end as value,
       threshold, baseline_value, sample_size, status, window_start, window_end
from {{ ref('expected_anomaly') }}
