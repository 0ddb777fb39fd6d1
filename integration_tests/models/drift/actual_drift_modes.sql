{#- Drift cases, part 'modes' (see actual_drift.sql). -#}
-- depends_on: {{ ref('drift_baseline_freeze') }}
-- depends_on: {{ ref('drift_main') }}
-- depends_on: {{ ref('drift_reference') }}
-- depends_on: {{ ref('drift_current_double') }}
{% if target.type != 'spark' %}-- depends_on: {{ ref('drift_evidently') }}{% endif %}
{%- set main = ref('drift_main') -%}
{%- set ref_rows = "sample_name = 'ref'" -%}
{%- set cur_rows = "sample_name = 'cur'" -%}
{%- set numeric_cols = ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur', 'f_null_all'] -%}
{%- set day = {'period': 'day', 'count': 1} -%}
{%- set week = {'period': 'day', 'count': 7} -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('psi_kinds', ml_monitor.psi(main, ['cat_num', 'f_int'], kind={'cat_num': 'categorical', 'f_int': 'categorical'}, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_nulls', ml_monitor.psi(main, ['cat'], include_nulls=true, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_equal_width', ml_monitor.psi(main, ['f_shift', 'f_stable'], binning='equal_width', bins=8, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_sturges', ml_monitor.psi(main, ['f_shift'], binning='equal_width', bins='sturges', reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_numeric_categories', ml_monitor.psi(ref('drift_current_double'), ['cat_num'], kind='categorical', reference=ref('drift_reference')))) -%}
{%- do cases.append(('psi_max_categories', ml_monitor.psi(main, ['cat'], max_categories=2, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_epsilon', ml_monitor.psi(main, ['cat', 'f_shift'], epsilon=0.01, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('js_nulls', ml_monitor.js_distance(main, ['cat'], include_nulls=true, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('pred_text', ml_monitor.prediction_drift(main, 'score', prediction_column='pred_text', positive_value='yes', reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('pred_bool', ml_monitor.prediction_drift(main, 'score', prediction_column='pred_bool', positive_value=true, reference_where=ref_rows, where=cur_rows))) -%}
{%- if target.type != 'spark' -%}
{%- do cases.append(('psi_evidently', ml_monitor.psi(ref('drift_evidently'), ['x', 'k', 'c'], binning='evidently', reference_where=ref_rows, where=cur_rows))) -%}
{%- endif -%}
{%- endif -%}

{{ union_cases(cases) }}
