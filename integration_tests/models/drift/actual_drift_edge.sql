{#- Drift cases, part 'edge' (see actual_drift.sql). -#}
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
{%- do cases.append(('pred_label', ml_monitor.prediction_drift(main, 'score', prediction_column='pred', reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('pred_threshold', ml_monitor.prediction_drift(main, 'score', score_threshold=0.6, max_relative_rate_shift=0.5, reference_where=ref_rows, where=cur_rows))) -%}
{#- the frozen baseline holds the same reference rows: same numbers as scanning them (on every
    engine, Spark's parquet tables included; see drift_baseline_freeze.sql) -#}
{%- set frozen = {'baseline': 'drift_v1'} -%}
{%- do cases.append(('baseline_kept', ml_monitor.psi(main, ['f_shift'], where=cur_rows, baseline='drift_keep'))) -%}
{%- do cases.append(('baseline_segments', ml_monitor.psi(main, ['f_shift', 'cat'], where=cur_rows, segment_by=['seg'], **frozen))) -%}
{%- do cases.append(('baseline_segments', ml_monitor.js_distance(main, ['f_shift', 'cat'], where=cur_rows, segment_by=['seg'], **frozen))) -%}
{#- prediction_drift against a baseline: the score's bins and the positive rate frozen, both rules -#}
{%- do cases.append(('pred_label_baseline', ml_monitor.prediction_drift(main, 'score', prediction_column='pred', where=cur_rows, segment_by=['seg'], **frozen))) -%}
{%- do cases.append(('pred_threshold_baseline', ml_monitor.prediction_drift(main, 'score', score_threshold=0.6, max_relative_rate_shift=0.5, baseline='drift_pred_t', where=cur_rows))) -%}
{%- for case, refw, curw in [('empty_current', ref_rows, '1 = 0'), ('empty_reference', '1 = 0', cur_rows)] -%}
{%- do cases.append((case, ml_monitor.psi(main, ['f_shift', 'cat'], reference_where=refw, where=curw))) -%}
{%- do cases.append((case, ml_monitor.js_distance(main, ['f_shift', 'cat'], reference_where=refw, where=curw))) -%}
{%- do cases.append((case, ml_monitor.ks(main, ['f_shift'], reference_where=refw, where=curw))) -%}
{%- endfor -%}
{%- endif -%}

{{ union_cases(cases) }}
