{#- Drift cases, part 'psi' (see actual_drift.sql). -#}
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
{%- do cases.append(('psi_where', ml_monitor.psi(main, numeric_cols + ['cat'], reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_window', ml_monitor.psi(main, ['f_shift', 'cat'], timestamp_column='ts', window=day, reference_window=week))) -%}
{%- do cases.append(('psi_reference', ml_monitor.psi(main, ['f_shift'], reference=ref('drift_reference'), where=cur_rows))) -%}
{%- do cases.append(('psi_segments', ml_monitor.psi(main, ['f_shift', 'cat'], reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('psi_bins5', ml_monitor.psi(main, ['f_shift'], bins=5, threshold=0.5, reference_where=ref_rows, where=cur_rows))) -%}
{%- endif -%}

{{ union_cases(cases) }}
