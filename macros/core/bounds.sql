{#- A bound on an observation's value, rendered once for every monitor that checks one:
    is_fail (SQL boolean: `value op bound`, false without a bound) and note (a SQL string
    expression to append to detail: ', above <arg> <bound>' when breached, '' otherwise).
    op '>' for maximums (max_*), '<' for minimums (min_*).

    {%- set b = ml_monitor._bound_check('n_errors / n_rows', 0.01, '>', 'max_error_rate') %}
    select {{ b.is_fail }} as is_fail, 'x' {{ b.note }} as detail -#}
{% macro _bound_check(value, bound, op, arg) -%}
  {%- if bound is none -%}
    {{ return({'is_fail': 'false', 'note': ''}) }}
  {%- endif -%}
  {%- set breach = '(' ~ value ~ ') ' ~ op ~ ' ' ~ bound -%}
  {%- set word = 'above' if op == '>' else 'below' -%}
  {{ return({'is_fail': breach,
             'note': "|| case when " ~ breach ~ " then " ~ ml_monitor.string_literal(', ' ~ word ~ ' ' ~ arg ~ ' ' ~ bound) ~ " else '' end"}) }}
{%- endmacro %}
