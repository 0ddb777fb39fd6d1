{#- Drift cases, part 'stats' (see actual_drift.sql): hellinger, total_variation, linf and
    chi2_pvalue on the psi bins; prediction_drift with another statistic (issue #17). -#}
-- depends_on: {{ ref('drift_main') }}
{%- set main = ref('drift_main') -%}
{%- set ref_rows = "sample_name = 'ref'" -%}
{%- set cur_rows = "sample_name = 'cur'" -%}
{%- set numeric_cols = ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur'] -%}
{%- set cats = {'cat_num': 'categorical', 'f_int': 'categorical'} -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('hellinger_where', ml_monitor.binned_drift(main, numeric_cols + ['cat'], statistic='hellinger', reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('tv_segments', ml_monitor.binned_drift(main, ['f_shift', 'cat'], statistic='total_variation', reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('hellinger_equal_width', ml_monitor.binned_drift(main, ['f_shift'], statistic='hellinger', binning='equal_width', bins=8, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('linf_categories', ml_monitor.binned_drift(main, ['cat', 'cat_num', 'f_int'], statistic='linf', kind=cats, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('linf_nulls', ml_monitor.binned_drift(main, ['cat'], statistic='linf', include_nulls=true, reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('chi2_categories', ml_monitor.binned_drift(main, ['cat', 'cat_num', 'f_int'], statistic='chi2_pvalue', kind=cats, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('chi2_segments', ml_monitor.binned_drift(main, ['cat', 'cat_num'], statistic='chi2_pvalue', kind={'cat_num': 'categorical'}, reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('chi2_nulls', ml_monitor.binned_drift(main, ['cat'], statistic='chi2_pvalue', include_nulls=true, threshold=0.01, reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('pred_hellinger', ml_monitor.prediction_drift(main, 'score', prediction_column='pred', statistic='hellinger', reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- for case, refw, curw in [('stats_empty_current', ref_rows, '1 = 0'), ('stats_empty_reference', '1 = 0', cur_rows)] -%}
{%- do cases.append((case, ml_monitor.binned_drift(main, ['cat'], statistic='chi2_pvalue', reference_where=refw, where=curw))) -%}
{%- endfor -%}
{%- endif -%}

{{ union_cases(cases) }}
