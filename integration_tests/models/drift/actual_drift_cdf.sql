{#- Drift cases, part 'cdf' (see actual_drift.sql): ks_pvalue, wasserstein and wasserstein_norm
    from the two empirical CDFs (issue #17). -#}
-- depends_on: {{ ref('drift_main') }}
{%- set main = ref('drift_main') -%}
{%- set ref_rows = "sample_name = 'ref'" -%}
{%- set cur_rows = "sample_name = 'cur'" -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('ks_pvalue_where', ml_monitor.ks(main, ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur'], statistic='ks_pvalue', reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('ks_pvalue_segments', ml_monitor.ks(main, ['f_shift', 'f_stable'], statistic='ks_pvalue', reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- do cases.append(('wasserstein_norm_where', ml_monitor.wasserstein(main, ['f_stable', 'f_shift', 'f_int', 'f_const', 'f_bad', 'f_null_cur'], reference_where=ref_rows, where=cur_rows))) -%}
{%- do cases.append(('wasserstein_segments', ml_monitor.wasserstein(main, ['f_shift', 'f_int'], statistic='wasserstein', threshold=0.5, reference_where=ref_rows, where=cur_rows, segment_by=['seg']))) -%}
{%- for case, refw, curw in [('stats_empty_current', ref_rows, '1 = 0'), ('stats_empty_reference', '1 = 0', cur_rows)] -%}
{%- do cases.append((case, ml_monitor.wasserstein(main, ['f_shift'], reference_where=refw, where=curw))) -%}
{%- do cases.append((case, ml_monitor.ks(main, ['f_shift'], statistic='ks_pvalue', reference_where=refw, where=curw))) -%}
{%- endfor -%}
{%- endif -%}

{{ union_cases(cases) }}
