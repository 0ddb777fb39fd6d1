{#- Perturbed copies of seeds/controls/controls_expected.csv, one block per `control`, each
    compared with the unperturbed seed by controls.yml. The two `pass_*` controls must pass;
    every other control changes one thing that equal_observations must catch, so its test
    must fail (error_if: "<1"). Overrides: {row_id: {column: SQL expression}}. -#}
{%- set dbl = ml_monitor.type_double() -%}
{%- set ts = ml_monitor.type_timestamp() -%}
{%- set controls = {
  'pass_identical': {},
  'pass_within_tolerance': {1: {'value': 'value + 1e-10'}, 5: {'value': 'value * (1 + 1e-10)', 'baseline_value': 'baseline_value - 1e-7'}},
  'value_off_1e-6': {1: {'value': 'value + 1e-6'}},
  'value_off_relative': {5: {'value': 'value * (1 + 1e-8)'}},
  'value_number_to_null': {1: {'value': 'cast(null as ' ~ dbl ~ ')'}},
  'value_null_to_number': {3: {'value': 'cast(0 as ' ~ dbl ~ ')'}},
  'status_flipped': {1: {'status': "'fail'"}},
  'threshold_number_to_null': {1: {'threshold': 'cast(null as ' ~ dbl ~ ')'}},
  'threshold_null_to_number': {4: {'threshold': 'cast(0.8 as ' ~ dbl ~ ')'}},
  'baseline_off': {4: {'baseline_value': 'baseline_value + 1e-6'}},
  'baseline_number_to_null': {5: {'baseline_value': 'cast(null as ' ~ dbl ~ ')'}},
  'baseline_null_to_number': {1: {'baseline_value': 'cast(0.1 as ' ~ dbl ~ ')'}},
  'sample_size_off': {1: {'sample_size': 'sample_size + 1'}},
  'window_start_off': {1: {'window_start': "cast('2026-01-30 01:00:00' as " ~ ts ~ ")"}},
  'window_end_to_null': {5: {'window_end': 'cast(null as ' ~ ts ~ ')'}},
  'window_null_to_time': {4: {'window_start': "cast('2026-01-30 00:00:00' as " ~ ts ~ ")"}},
  'segment_null_to_empty': {2: {'segment_value': "''"}},
  'missing_row': {2: 'drop'},
  'extra_row': {3: 'add'},
  'duplicated_row': {2: 'twice'},
} -%}
{%- set columns = ['case_name', 'monitor', 'column_name', 'segment_column', 'segment_value', 'metric', 'value',
                   'threshold', 'baseline_value', 'sample_size', 'window_start', 'window_end', 'status'] -%}
{%- for name, overrides in controls.items() %}
{%- set changed = {} -%}
{%- for row_id, o in overrides.items() if o is mapping -%}
  {%- for c, expr in o.items() -%}{%- do changed.setdefault(c, []).append((row_id, expr)) -%}{%- endfor -%}
{%- endfor %}
select {{ ml_monitor.string_literal(name) }} as control
  {%- for c in columns %},
  {%- if c in changed %} case {% for row_id, expr in changed[c] %}when row_id = {{ row_id }} then {{ expr }} {% endfor %}else {{ adapter.quote(c) }} end as {{ adapter.quote(c) }}
  {%- else %} {{ adapter.quote(c) }}{% endif %}
  {%- endfor %}
from {{ ref('controls_expected') }}
{%- set dropped = [] -%}
{%- for row_id, o in overrides.items() if o == 'drop' %}{% do dropped.append(row_id) %}{% endfor %}
{%- if dropped %}
where row_id not in ({{ dropped | join(', ') }})
{%- endif %}
{%- for row_id, o in overrides.items() if o == 'twice' %}
union all
select {{ ml_monitor.string_literal(name) }} as control{% for c in columns %}, {{ adapter.quote(c) }}{% endfor %}
from {{ ref('controls_expected') }}
where row_id = {{ row_id }}
{%- endfor %}
{%- for row_id, o in overrides.items() if o == 'add' %}
union all
-- a row the expected side does not have: row 3 under another segment value
select {{ ml_monitor.string_literal(name) }} as control
  {%- for c in columns %}, {% if c == 'segment_value' %}'y' as segment_value{% else %}{{ adapter.quote(c) }}{% endif %}{% endfor %}
from {{ ref('controls_expected') }}
where row_id = 3
{%- endfor %}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
