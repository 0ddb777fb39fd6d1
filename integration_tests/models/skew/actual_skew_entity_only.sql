-- The case skew_entity_only of the skew family in a model of its own (actual_skew unions it with the
-- others, except on Spark: see the known issue in expected_skew_engine.sql).
{%- set serving = ref('skew_serving') %}
{%- set offline = ref('skew_offline') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set cases = {
  'skew_entity_only': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', features='age',
                                              offline_where='id <= 150'),
} %}
{%- for name, sql in cases.items() %}
select {{ ml_monitor.string_literal(name) }} as case_name, obs.*
from (
  {{ sql }}
) as obs
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
