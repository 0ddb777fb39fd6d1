{#- Exact quantiles with linear interpolation between order statistics: the same
    definition everywhere, numpy's default np.quantile(x, q, method='linear')
    (position (n - 1) * q, interpolated between the two neighbouring values).
    Approximate quantile functions never give a reported number (they would change it); they
    only bracket exact ones (approx_quantiles below, metrics/drift/_drift_quantiles.sql).

    quantiles(expr, [0.1, 0.5, 0.9]) is an aggregate returning an array of doubles
    (nulls ignored); array_element(array_sql, i) reads element i (1-based). -#}

{% macro quantiles(expr, probabilities) %}{{ return(ml_monitor._dispatch('quantiles')(expr, probabilities)) }}{% endmacro %}

{#- ANSI ordered-set aggregate, one per probability, gathered in an array. -#}
{% macro default__quantiles(expr, probabilities) -%}
  array[{% for p in probabilities %}percentile_cont({{ p }}) within group (order by {{ ml_monitor.to_double(expr) }}){% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro duckdb__quantiles(expr, probabilities) -%}
  quantile_cont({{ ml_monitor.to_double(expr) }}, [{% for p in probabilities %}{{ p }}{% if not loop.last %}, {% endif %}{% endfor %}])
{%- endmacro %}

{#- PostgreSQL: one sort for all probabilities. -#}
{% macro postgres__quantiles(expr, probabilities) -%}
  percentile_cont(array[{% for p in probabilities %}{{ p }}{% if not loop.last %}, {% endif %}{% endfor %}]::double precision[]) within group (order by {{ ml_monitor.to_double(expr) }})
{%- endmacro %}

{#- Spark's percentile() is exact (linear interpolation at (n - 1) * q);
    percentile_approx / approx_percentile are not used. -#}
{% macro spark__quantiles(expr, probabilities) -%}
  percentile({{ ml_monitor.to_double(expr) }}, array({% for p in probabilities %}cast({{ p }} as double){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
{% macro databricks__quantiles(expr, probabilities) -%}{{ return(ml_monitor.spark__quantiles(expr, probabilities)) }}{%- endmacro %}

{% macro snowflake__quantiles(expr, probabilities) -%}
  array_construct({% for p in probabilities %}percentile_cont({{ p }}) within group (order by {{ ml_monitor.to_double(expr) }}){% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- BigQuery has exact percentile_cont only as an analytic (window) function, which cannot sit
    beside the other aggregates of one pass; APPROX_QUANTILES is approximate. Exact quantiles
    as an aggregate: the sorted values (array_agg ... order by) read at the two order
    statistics around (n - 1) * q and interpolated, numpy's 'linear' rule. The sorted array
    of one column's reference values must fit in one BigQuery row (100 MB: ~10 million
    doubles); beyond that use a frozen baseline or binning: equal_width. -#}
{% macro bigquery__quantiles(expr, probabilities) -%}
  {%- set x = ml_monitor.to_double(expr) -%}
  {%- set sorted_values = 'array_agg(' ~ x ~ ' ignore nulls order by ' ~ x ~ ')' -%}
  {%- set n = 'count(' ~ x ~ ')' -%}
  [{% for p in probabilities %}
    {%- set pos = '((' ~ n ~ ' - 1) * ' ~ p ~ ')' -%}
    ({{ sorted_values }}[safe_offset(cast(floor({{ pos }}) as int64))]
      + ({{ pos }} - floor({{ pos }}))
        * ({{ sorted_values }}[safe_offset(cast(ceil({{ pos }}) as int64))] - {{ sorted_values }}[safe_offset(cast(floor({{ pos }}) as int64))])){% if not loop.last %}, {% endif %}
  {%- endfor %}]
{%- endmacro %}

{#- One exact quantile (scalar aggregate). -#}
{% macro quantile(expr, probability) -%}
  {{ ml_monitor.array_element(ml_monitor.quantiles(expr, [probability]), 1) }}
{%- endmacro %}

{#- Element i (1-based) of an array expression, as a double. -#}
{% macro array_element(array_sql, i) %}{{ return(ml_monitor._dispatch('array_element')(array_sql, i)) }}{% endmacro %}
{% macro default__array_element(array_sql, i) -%}
  {{ ml_monitor.to_double('(' ~ array_sql ~ ')[' ~ i ~ ']') }}
{%- endmacro %}
{% macro spark__array_element(array_sql, i) -%}
  {{ ml_monitor.to_double('element_at(' ~ array_sql ~ ', ' ~ i ~ ')') }}
{%- endmacro %}
{% macro databricks__array_element(array_sql, i) -%}{{ return(ml_monitor.spark__array_element(array_sql, i)) }}{%- endmacro %}
{% macro bigquery__array_element(array_sql, i) -%}
  {{ ml_monitor.to_double('(' ~ array_sql ~ ')[safe_ordinal(' ~ i ~ ')]') }}
{%- endmacro %}
{% macro snowflake__array_element(array_sql, i) -%}
  {{ ml_monitor.to_double('(' ~ array_sql ~ ')[' ~ (i - 1) ~ ']') }}
{%- endmacro %}

{#- Approximate quantiles (an array of doubles), only ever used to bracket exact ones
    (metrics/drift/_drift_quantiles.sql): never a number the package reports. -#}
{% macro approx_quantiles(expr, probabilities) %}{{ return(ml_monitor._dispatch('approx_quantiles')(expr, probabilities)) }}{% endmacro %}
{% macro default__approx_quantiles(expr, probabilities) -%}
  {#- no approximate aggregate: the exact one (its brackets are points, still verified) -#}
  {{ return(ml_monitor.quantiles(expr, probabilities)) }}
{%- endmacro %}
{% macro duckdb__approx_quantiles(expr, probabilities) -%}
  {#- DuckDB takes the probabilities as FLOAT[] (single precision: fine for a bracket) -#}
  approx_quantile({{ ml_monitor.to_double(expr) }}, cast([{% for p in probabilities %}{{ p }}{% if not loop.last %}, {% endif %}{% endfor %}] as float[]))
{%- endmacro %}
{% macro spark__approx_quantiles(expr, probabilities) -%}
  percentile_approx({{ ml_monitor.to_double(expr) }}, array({% for p in probabilities %}cast({{ p }} as double){% if not loop.last %}, {% endif %}{% endfor %}), {{ ml_monitor._quantile_bracket_accuracy() }})
{%- endmacro %}
{% macro databricks__approx_quantiles(expr, probabilities) -%}{{ return(ml_monitor.spark__approx_quantiles(expr, probabilities)) }}{%- endmacro %}
