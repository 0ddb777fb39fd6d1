-- A NaN or infinite prediction, target or thresholded score makes the regression metrics and
-- the decision_threshold metrics undefined (no_data, with the reason), on every engine: never a
-- NaN / inf value that passes. The segment with finite inputs keeps its exact values
-- (mae 2/3, rmse sqrt(2/3), accuracy 1, f1 1). Every returned row is a failure.
{#- in double precision (a decimal 2.0 / 3.0 keeps 6 digits on Spark) -#}
{%- set two_thirds = '(' ~ ml_monitor.to_double('2') ~ ' / 3)' %}
{%- set common = {'labels': ref('perf_nonfinite_labels'), 'join_key': 'id', 'segment_by': ['seg']} %}
with observed as (
  select 'regression' as part, o.* from (
    {{ ml_monitor.performance(ref('perf_nonfinite'), metric=['mae', 'rmse', 'r2'], label_column='target',
                              prediction_column='pred', **common) }}
  ) as o
  union all
  select 'threshold' as part, o.* from (
    {{ ml_monitor.performance(ref('perf_nonfinite'), metric=['accuracy', 'f1'], label_column='y',
                              score_column='score', decision_threshold=0.5, **common) }}
  ) as o
),
expected as (
  select part, segment_value, metric, status, value, detail,
    case
      when part = 'regression' and coalesce(segment_value, 'overall') in ('nan_pred', 'inf_target', 'overall') then 'bad'
      when part = 'threshold' and coalesce(segment_value, 'overall') in ('nan_score', 'inf_score', 'overall') then 'bad'
      else 'good'
    end as kind
  from observed
  where metric <> 'label_coverage'
)
select * from expected
where not (
  (kind = 'bad' and status = 'no_data' and value is null
     and detail like '% labelled rows have a NaN or infinite %' and detail like '%' || metric || ' undefined%')
  or (kind = 'good' and status = 'pass' and value is not null
     and (segment_value <> 'finite'
          or (metric = 'mae' and abs(value - {{ two_thirds }}) < 1e-12)
          or (metric = 'rmse' and abs(value - sqrt({{ two_thirds }})) < 1e-12)
          or (metric = 'r2' and abs(value - (1 - 2 / {{ two_thirds }})) < 1e-12)
          or (metric in ('accuracy', 'f1') and abs(value - 1) < 1e-12)))
)
