{#- Join hints. broadcast_hint(alias): on Spark a BROADCAST hint for the small side of a join
    (the SELECT's first token after `select`), so that the large side is not shuffled by the
    join key (which would send every row of one segment to one task); elsewhere nothing. -#}
{% macro broadcast_hint(alias) %}{{ return(ml_monitor._dispatch('broadcast_hint')(alias)) }}{% endmacro %}
{% macro default__broadcast_hint(alias) %}{{ return('') }}{% endmacro %}
{% macro spark__broadcast_hint(alias) %}{{ return('/*+ BROADCAST(' ~ alias ~ ') */') }}{% endmacro %}
{% macro databricks__broadcast_hint(alias) %}{{ return(ml_monitor.spark__broadcast_hint(alias)) }}{% endmacro %}

{#- _cte_fence(): after `name as`, keeps a CTE from being inlined into its consumers: on
    PostgreSQL `materialized`, so that a long expression computed in it is evaluated (and
    JIT-compiled) once instead of being copied into every place that reads its columns;
    elsewhere nothing. -#}
{% macro _cte_fence() %}{{ return(ml_monitor._dispatch('_cte_fence')()) }}{% endmacro %}
{% macro default___cte_fence() %}{{ return('') }}{% endmacro %}
{% macro postgres___cte_fence() %}{{ return('materialized') }}{% endmacro %}
{% macro redshift___cte_fence() %}{{ return('') }}{% endmacro %}
