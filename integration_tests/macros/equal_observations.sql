{#- Compares a model of observation rows with an expected seed: every expected row
    must be there with the same status and a value within `tolerance`, and no other
    row may appear. Rows are matched on (case_name, monitor, column_name,
    segment_column, segment_value, metric); nulls match nulls. -#}
{% test equal_observations(model, expected, tolerance=1e-9, compare_threshold=true) %}
{%- set keys = ['case_name', 'monitor', 'column_name', 'segment_column', 'segment_value', 'metric'] -%}
with actual as (
  select * from {{ model }}
),
wanted as (
  select * from {{ expected }}
),
joined as (
  select
    {%- for k in keys %}
    coalesce(a.{{ k }}, w.{{ k }}) as {{ k }},
    {%- endfor %}
    a.value as actual_value, w.value as expected_value,
    a.status as actual_status, w.status as expected_status,
    a.sample_size as actual_sample_size, w.sample_size as expected_sample_size,
    a.threshold as actual_threshold, w.threshold as expected_threshold,
    case when a.monitor is null then 'missing' when w.monitor is null then 'unexpected' else 'both' end as presence
  from actual as a
  full outer join wanted as w
    on {% for k in keys %}a.{{ k }} is not distinct from w.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
)
select * from joined
where presence <> 'both'
   or actual_status <> expected_status
   or actual_sample_size <> expected_sample_size
   or not (
        (actual_value is null and expected_value is null)
     or abs(actual_value - expected_value) <= {{ tolerance }} * (case when abs(expected_value) > 1 then abs(expected_value) else 1 end)
   )
   {%- if compare_threshold %}
   or not (actual_threshold is not distinct from expected_threshold)
   {%- endif %}
{% endtest %}
