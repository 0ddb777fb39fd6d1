-- the labels of perf_nonfinite: a numeric target (one +inf) and a 0/1 class
{%- set d = ml_monitor.type_double() %}
{%- set rows = [(1, '2.0', 1), (2, '2.0', 0), (3, '3.0', 1), (4, '1.0', 1), (5, '1.0', 0),
                (6, 'Infinity', 1), (7, '2.0', 0), (8, '1.0', 1), (9, '3.0', 0), (10, '1.0', 1), (11, '3.0', 0)] %}
{%- for id, target, y in rows %}
select {{ id }} as id, cast('{{ target }}' as {{ d }}) as target, {{ y }} as y
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
