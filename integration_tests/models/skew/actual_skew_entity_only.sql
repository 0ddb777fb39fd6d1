-- The case skew_entity_only of the skew family alone (actual_skew unions it with the others). On Spark 4.3
-- its missing_offline_rate / missing_serving_rate came out as if the offline side were the serving
-- log when it was one branch of the union of every feature_skew case (each case alone, as a test
-- runs it, agreed with pandas): one model per such case.
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
