-- NaN and infinite inputs of the regression and the decision_threshold metrics, on every engine
-- (tests/perf_nonfinite_inputs.sql): one segment per kind of bad input, one with finite inputs.
{%- set d = ml_monitor.type_double() %}
{%- set rows = [
    (1, 'finite', '1.0', '0.9'), (2, 'finite', '2.0', '0.2'), (3, 'finite', '4.0', '0.7'),
    (4, 'nan_pred', 'NaN', '0.8'), (5, 'nan_pred', '1.0', '0.1'),
    (6, 'inf_target', '1.0', '0.6'), (7, 'inf_target', '2.0', '0.3'),
    (8, 'nan_score', '1.0', 'NaN'), (9, 'nan_score', '2.0', '0.4'),
    (10, 'inf_score', '1.0', 'Infinity'), (11, 'inf_score', '2.0', '0.4'),
] %}
{%- for id, seg, pred, score in rows %}
select {{ id }} as id, '{{ seg }}' as seg, cast('{{ pred }}' as {{ d }}) as pred, cast('{{ score }}' as {{ d }}) as score
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
