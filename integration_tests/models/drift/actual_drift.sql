{#- Every drift case: the metric macros' observation rows, tagged with case_name.
    Expected values: scripts/gen_drift.py (numpy / scipy), seeds/expected/expected_drift.csv. -#}
-- depends_on: {{ ref('drift_baseline_freeze') }}
-- depends_on: {{ ref('drift_main') }}
-- depends_on: {{ ref('drift_reference') }}
-- depends_on: {{ ref('drift_evidently') }}
{%- set main = ref('drift_main') -%}
{%- set ref_rows = "sample = 'ref'" -%}
{%- set cur_rows = "sample = 'cur'" -%}
{%- set numeric_cols = ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur', 'f_null_all'] -%}
{%- set day = {'period': 'day', 'count': 1} -%}
{%- set week = {'period': 'day', 'count': 7} -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('psi_where', ml_monitor.psi(main, numeric_cols + ['cat'], reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('js_where', ml_monitor.js_distance(main, numeric_cols + ['cat'], reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('ks_where', ml_monitor.ks(main, numeric_cols, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_window', ml_monitor.psi(main, ['f_shift', 'cat'], timestamp_column='ts', window=day, reference_window=week))) -%}
{%- do cases.append(('psi_reference', ml_monitor.psi(main, ['f_shift'], reference=ref('drift_reference'), where=cur_rows))) -%}
{%- do cases.append(('psi_segments', ml_monitor.psi(main, ['f_shift', 'cat'], reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('js_segments', ml_monitor.js_distance(main, ['f_shift'], reference_where=ref_rows, where=cur_rows, segment_by=['seg'], min_rows=50))) -%}
{%- do cases.append(('ks_segments', ml_monitor.ks(main, ['f_shift', 'f_stable'], reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('psi_kinds', ml_monitor.psi(main, ['cat_num', 'f_int'], kind={'cat_num': 'categorical', 'f_int': 'categorical'}, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_nulls', ml_monitor.psi(main, ['cat'], include_nulls=true, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_equal_width', ml_monitor.psi(main, ['f_shift', 'f_stable'], binning='equal_width', bins=8, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_sturges', ml_monitor.psi(main, ['f_shift'], binning='equal_width', bins='sturges', reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('psi_bins5', ml_monitor.psi(main, ['f_shift'], bins=5, threshold=0.5, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('pred_label', ml_monitor.prediction_drift(main, 'score', prediction_column='pred', reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('pred_threshold', ml_monitor.prediction_drift(main, 'score', score_threshold=0.6, max_relative_rate_shift=0.5, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('baseline_segments', ml_monitor.psi(main, ['f_shift', 'cat'], baseline='drift_v1', where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('baseline_segments', ml_monitor.js_distance(main, ['f_shift', 'cat'], baseline='drift_v1', where=cur_rows, segment_by=['seg']))) -%}
{%- for case, refw, curw in [('empty_current', ref_rows, '1 = 0'), ('empty_reference', '1 = 0', cur_rows)] -%}
{%- do cases.append((case, ml_monitor.psi(main, ['f_shift', 'cat'], reference_where=refw, where=curw))) -%}
{%- do cases.append((case, ml_monitor.js_distance(main, ['f_shift', 'cat'], reference_where=refw, where=curw))) -%}
{%- do cases.append((case, ml_monitor.ks(main, ['f_shift'], reference_where=refw, where=curw))) -%}
{%- endfor -%}
{%- do cases.append(('psi_evidently', ml_monitor.psi(ref('drift_evidently'), ['x', 'k', 'c'], binning='evidently', reference_where=ref_rows, where=cur_rows))) -%}
{%- endif -%}

{%- for case_name, sql in cases %}
select {{ ml_monitor.to_string(ml_monitor.string_literal(case_name)) }} as case_name, o.*
from (
{{ sql }}
) as o
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- if not execute %}
select 1 as case_name
{%- endif %}
