{#- Join hints. broadcast_hint(alias): on Spark a BROADCAST hint for the small side of a join
    (the SELECT's first token after `select`), so that the large side is not shuffled by the
    join key (which would send every row of one segment to one task); elsewhere nothing. -#}
{% macro broadcast_hint(alias) %}{{ return(ml_monitor._dispatch('broadcast_hint')(alias)) }}{% endmacro %}
{% macro default__broadcast_hint(alias) %}{{ return('') }}{% endmacro %}
{% macro spark__broadcast_hint(alias) %}{{ return('/*+ BROADCAST(' ~ alias ~ ') */') }}{% endmacro %}
{% macro databricks__broadcast_hint(alias) %}{{ return(ml_monitor.spark__broadcast_hint(alias)) }}{% endmacro %}
