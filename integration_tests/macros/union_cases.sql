{#- The observation rows of several metric-macro calls, one block per case, tagged with
    case_name, for comparison with an expected seed. `cases` is a list of (name, sql);
    it is empty at parse time, when the cases are not rendered. -#}
{% macro union_cases(cases) -%}
{%- for case_name, sql in cases %}
select {{ ml_monitor.to_string(ml_monitor.string_literal(case_name)) }} as case_name, o.*
from (
{{ sql }}
) as o
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- if not cases %}
select 1 as case_name
{%- endif %}
{%- endmacro %}
