{#- Drift cases, part 'js_ks' (see actual_drift.sql). -#}
-- depends_on: {{ ref('drift_baseline_freeze') }}
-- depends_on: {{ ref('drift_main') }}
-- depends_on: {{ ref('drift_reference') }}
{% if target.type != 'spark' %}-- depends_on: {{ ref('drift_evidently') }}{% endif %}
{%- set main = ref('drift_main') -%}
{%- set ref_rows = "sample_name = 'ref'" -%}
{%- set cur_rows = "sample_name = 'cur'" -%}
{%- set numeric_cols = ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur', 'f_null_all'] -%}
{%- set day = {'period': 'day', 'count': 1} -%}
{%- set week = {'period': 'day', 'count': 7} -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('js_where', ml_monitor.js_distance(main, numeric_cols + ['cat'], reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('ks_where', ml_monitor.ks(main, numeric_cols, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('js_segments', ml_monitor.js_distance(main, ['f_shift'], reference_where=ref_rows, where=cur_rows, segment_by=['seg'], min_rows=50))) -%}
{%- do cases.append(('ks_segments', ml_monitor.ks(main, ['f_shift', 'f_stable'], reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- endif -%}

{{ union_cases(cases) }}
