{#- Two-sample Kolmogorov-Smirnov statistic D of one or more numeric columns, current
    window vs a reference: the largest distance between the two empirical CDFs,
    exact and with ties handled like scipy.stats.ks_2samp(...).statistic (both CDFs
    are evaluated at every distinct value of either sample). NaN / +-inf are excluded
    and counted in the detail.

    statistic: ks (default, threshold 0.1: fails when D > threshold) or ks_pvalue (default
    threshold 0.05: fails when p < threshold): the p-value of scipy.stats.ks_2samp(x, y,
    method='asymp'), kstwo.sf(D, round(en)) with en = n * m / (n + m) (n, m the usable values of
    both sides), computed in SQL with scipy's branches (_ks_pvalue.sql; see docs/drift.md).

    {{ ml_monitor.ks(ref('predictions'), columns=['age'], reference=ref('training_set'), threshold=0.1) }}

    One scan of both samples: counts per (sample, segment, distinct value) for every
    column in one grouping-sets aggregate, then running sums per column and segment.
    windows: N -> every window is its own sample (counted side by side in the same aggregate)
    compared with the fixed reference, or with reference: previous_window with the window
    before it (the scan covers N + 1 windows).
-#}
{% macro ks(relation, columns, reference=none, reference_where=none, reference_window=none, baseline=none,
            threshold=none, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
            windows=none, fail_on=none, anomaly=none, statistic='ks', test='ks_drift') -%}
  {%- do ml_monitor._check_choice(test, relation, 'statistic', statistic, ['ks', 'ks_pvalue']) -%}
  {{ return(ml_monitor._cdf_drift(test, statistic, relation, columns, reference, reference_where, reference_window, baseline,
                                   threshold, where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly)) }}
{%- endmacro %}

{#- Shared by ks and wasserstein: every statistic of the two empirical CDFs
    (ks, ks_pvalue, wasserstein, wasserstein_norm). -#}
{% macro _cdf_drift(test, statistic, relation, columns, reference, reference_where, reference_window, baseline,
                    threshold, where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly=none) -%}
  {%- set defaults = {'ks': 0.1, 'ks_pvalue': 0.05, 'wasserstein_norm': 0.1, 'wasserstein': none} -%}
  {%- if threshold is none and statistic == 'wasserstein' -%}
    {{ ml_monitor._arg_error(test, relation, 'threshold', "is required with statistic: wasserstein (a distance in the column's own units; wasserstein_norm has the default 0.1)", none) }}
  {%- endif -%}
  {%- set threshold = defaults[statistic] if threshold is none else threshold -%}
  {%- set fail_op = '<' if statistic == 'ks_pvalue' else '>' -%}
  {%- set setup = ml_monitor._drift_setup(test, relation, columns, reference, reference_where, reference_window, baseline,
                                          where, segment_by, timestamp_column, window, min_rows, allow_baseline=false,
                                          windows=windows, fail_on=fail_on, anomaly=anomaly, allow_previous=true) -%}
  {%- set scope = setup.scope -%}
  {%- do ml_monitor._check_number(test, relation, 'threshold', threshold, min=0, max=(none if statistic in ['wasserstein', 'wasserstein_norm'] else 1)) -%}
  {#- nothing is read while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- set cols = ml_monitor._drift_columns(test, relation, names, none, allowed_kinds=['numeric']) -%}
  {%- set part = 'partition by segment_column, segment_value, col_idx' -%}
  {%- set sets = [] -%}
  {#- a column's non-finite flag is a key next to its value (the NULL value splits into NULL and
      non-finite): each group carries one count per sample, not one per sample and column -#}
  {#- integers and decimals a double cannot hold (2^53 + 1, 100000000000000000.5) are told apart by
      their residual from their double: values are ordered and grouped by (double, residual) -#}
  {%- set residuals = {} -%}
  {%- for c in cols -%}
    {%- set r = ml_monitor._ks_residual_sql(c) -%}
    {%- if r is not none -%}{%- do residuals.update({c.idx: r}) -%}{%- endif -%}
  {%- endfor -%}
  {%- for c in cols -%}
    {%- set key = 'ml_v_' ~ c.idx ~ (', ml_r_' ~ c.idx if c.idx in residuals else '') ~ ', ml_nf_' ~ c.idx -%}
    {%- do sets.append('(' ~ key ~ ')') -%}
    {%- for s in scope.segments -%}{%- do sets.append('(' ~ s.sql ~ ', ' ~ key ~ ')') -%}{%- endfor -%}
  {%- endfor -%}
  {#- Samples: 'r' the reference rows (none with previous_window), 'w<j>' the current rows of
      window j (j = w.idx, 0 = oldest window of the series; 'w0' without windows: N). Pairs: each
      evaluated window against its reference ('r', or the previous window's sample). -#}
  {%- set samples = [] if setup.previous else ['r'] -%}
  {%- set pairs = [] -%}
  {%- if scope.multi -%}
    {%- for w in scope.key_windows -%}{%- do samples.append('w' ~ w.idx) -%}{%- endfor -%}
    {%- for w in scope.windows -%}
      {%- do pairs.append({'p': loop.index, 'cur': 'w' ~ w.idx, 'ref': ('w' ~ (w.idx - 1)) if setup.previous else 'r', 'window': w}) -%}
    {%- endfor -%}
    {%- set sample_sql = "'w' || " ~ ml_monitor.to_string(ml_monitor._window_index_sql(scope.timestamp_sql, scope.key_windows)) -%}
  {%- else -%}
    {%- do samples.append('w0') -%}
    {%- do pairs.append({'p': 1, 'cur': 'w0', 'ref': 'r', 'window': none}) -%}
    {%- set sample_sql = "'w0'" -%}
  {%- endif -%}
  {%- set no_ref_text = ml_monitor._drift_no_ref_text(setup) -%}
  {#- Double precision arithmetic on values near its limits: PostgreSQL raises an error on an
      overflow or underflow where other engines give inf or 0. Values are halved (v - w
      overflows near 1e308 where v / 2 - w / 2 does not; a value below 1e-300 in magnitude counts
      as 0 there), and a result too small to matter is set to 0 before it is multiplied. -#}
  {%- set tiny = ml_monitor.double_const('1e-150') -%}
  {%- set sql -%}
with ks_source as (
  {%- set sides = [('w', relation, scope.filter)] if setup.previous else [('r', setup.ref_relation, setup.ref_filter), ('w', relation, scope.filter)] %}
  {%- for side in sides %}
  select {{ sample_sql if side[0] == 'w' else "'r'" }} as ml_sample
    {%- if scope.multi %}, {{ scope.timestamp_sql if side[0] == 'w' else ml_monitor.to_timestamp('null') }} as ml_ts{% endif %}
    {%- for s in scope.segments %}, {{ s.sql }}{% endfor %}
    {%- for c in cols %},
    {{ ml_monitor._finite_or_null(c.sql) }} as ml_v_{{ c.idx }},
    {%- if c.idx in residuals %}
    {{ residuals[c.idx] }} as ml_r_{{ c.idx }},
    {%- endif %}
    case when {{ c.sql }} is not null and {{ ml_monitor.is_non_finite(c.sql) }} then 1 else 0 end as ml_nf_{{ c.idx }}
    {%- endfor %}
  from {{ side[1] }}
  {#- by window: rows with a NULL timestamp are read too (sample null), to be counted #}
  where {{ scope.scan_filter if (side[0] == 'w' and scope.multi) else side[2] }}
  union all
  {%- endfor %}
  -- one empty row of neither sample: every column's overall group exists even without rows
  select 'x' as ml_sample
    {%- if scope.multi %}, {{ ml_monitor.to_timestamp('null') }}{% endif %}
    {%- for s in scope.segments %}, null{% endfor %}
    {%- for c in cols %}, null{% if c.idx in residuals %}, {{ ml_monitor.to_double('null') }}{% endif %}, 0{% endfor %}
),
-- counts per distinct value and sample, for every column and segment in one aggregate
ks_groups as (
  select
    {{ ml_monitor._segment_keys(scope, by_window=false) }},
    case {% for c in cols %}when grouping(ml_v_{{ c.idx }}) = 0 then {{ c.idx }} {% endfor %}end as col_idx,
    case {% for c in cols %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_v_{{ c.idx }} {% endfor %}end as v,
    {%- if residuals %}
    case {% for c in cols if c.idx in residuals %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_r_{{ c.idx }} {% endfor %}end as ml_r,
    {%- else %}
    {{ ml_monitor.to_double('null') }} as ml_r,
    {%- endif %}
    case {% for c in cols %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_nf_{{ c.idx }} {% endfor %}end as ml_nf
    {%- for x in samples %},
    sum(case when ml_sample = '{{ x }}' then 1 else 0 end) as n_{{ x }}
    {%- endfor %}
    {%- if scope.multi %},
    -- rows with a NULL timestamp (no window: no sample) and the first timestamp of the windows
    sum(case when ml_sample is null then 1 else 0 end) as ml_null_ts_rows,
    min(case when ml_sample like 'w%' then ml_ts end) as ml_first_ts
    {%- endif %}
  from ks_source
  group by grouping sets ({{ sets | join(', ') }})
),
{%- if scope.multi %}
-- the facts every window's detail ends with (as the data-quality monitors'), from the overall
-- grouping set of the first column (one row per distinct value: summed)
window_facts as (
  select sum(ml_null_ts_rows) as ml_null_ts_rows, min(ml_first_ts) as ml_data_from
  from ks_groups
  where col_idx = {{ cols[0].idx }} and segment_column is null
),
{%- endif %}
ks_cells as (
  select segment_column, segment_value, col_idx, v, ml_r
    {%- for x in samples %}, n_{{ x }},
    case when ml_nf = 1 then n_{{ x }} else 0 end as nf_{{ x }}
    {%- endfor %}
  from ks_groups
),
-- totals per (segment, column) and every sample's empirical CDF at every distinct value of
-- any sample (window functions: the steps form a chain, no self-join; evaluating a CDF at
-- another window's values as well does not change the supremum)
ks_cdf as (
  select ks_cells.*
    {%- for x in samples %},
    sum(n_{{ x }}) over ({{ part }}) as rows_{{ x }},
    sum(case when v is not null then n_{{ x }} else 0 end) over ({{ part }}) as valid_{{ x }},
    sum(case when v is null then n_{{ x }} - nf_{{ x }} else 0 end) over ({{ part }}) as null_{{ x }},
    sum(case when v is null then nf_{{ x }} else 0 end) over ({{ part }}) as nonfinite_{{ x }},
    sum(case when v is not null then n_{{ x }} else 0 end) over ({{ part }} order by v, ml_r rows between unbounded preceding and current row) as cum_{{ x }},
    -- half the sample's smallest and largest value: the standard deviation's shift and scale
    min(case when n_{{ x }} > 0 then half_v end) over ({{ part }}) as half_lo_{{ x }},
    max(case when n_{{ x }} > 0 then half_v end) over ({{ part }}) as half_hi_{{ x }}
    {%- endfor %},
    -- half the width of the step of both CDFs that starts at v (Wasserstein)
    lead(half_v) over ({{ part }} order by v, ml_r) - half_v as half_width
  from (
    select ks_cells.*,
      case when abs(v) < {{ ml_monitor.double_const('1e-300') }} then 0 else v / 2 end as half_v
    from ks_cells
  ) as ks_cells
),
ks_gaps as (
  select ks_cdf.*
    {%- for x in samples %},
    case when v is not null then {{ ml_monitor.safe_divide('cum_' ~ x, 'valid_' ~ x) }} end as f_{{ x }},
    half_hi_{{ x }} - half_lo_{{ x }} as half_range_{{ x }},
    -- v shifted by the sample's minimum and scaled by its range, in [0, 1]: the moments of u
    -- neither overflow (values near 1e300) nor cancel (the mean of 2^53 + small integers)
    case when n_{{ x }} > 0 and half_hi_{{ x }} > half_lo_{{ x }} then
      case when half_hi_{{ x }} - half_lo_{{ x }} > {{ tiny }}
             and half_v - half_lo_{{ x }} < (half_hi_{{ x }} - half_lo_{{ x }}) * {{ tiny }} then 0
           when (half_v - half_lo_{{ x }}) / (half_hi_{{ x }} - half_lo_{{ x }}) < {{ tiny }} then 0
           else (half_v - half_lo_{{ x }}) / (half_hi_{{ x }} - half_lo_{{ x }}) end
    end as u_{{ x }}
    {%- endfor %}
  from ks_cdf
),
ks_pair_gaps as (
  select ks_gaps.*
    {%- for p in pairs %},
    abs(f_{{ p.cur }} - f_{{ p.ref }}) as gap_{{ p.p }},
    -- |F_cur - F_ref| times the step width: Wasserstein-1 is their sum (scipy's wasserstein_distance),
    -- here in halves (doubled below)
    case when v is not null and half_width is not null
      then case when half_width < {{ ml_monitor.double_const('1e-300') }} then 0 else abs(f_{{ p.cur }} - f_{{ p.ref }}) * half_width end
    end as wterm_{{ p.p }}
    {%- endfor %}
  from ks_gaps
),
-- the largest gap of each pair and the mean of u: one window over the same partitions (one pass)
ks_peaks as (
  select ks_pair_gaps.*
    {%- for p in pairs %},
    max(gap_{{ p.p }}) over ({{ part }}) as dmax_{{ p.p }}
    {%- endfor %}
    {%- for x in samples %},
    {{ ml_monitor.safe_divide('sum(n_' ~ x ~ ' * u_' ~ x ~ ') over (' ~ part ~ ')', 'valid_' ~ x) }} as mean_u_{{ x }}
    {%- endfor %}
  from ks_pair_gaps
),
-- the smallest value where the largest gap is reached, and both CDFs there: both CDFs are
-- non-decreasing in the value's order, so at the first cell of the largest gap each is the
-- smallest among the cells of the largest gap (aggregates, not one more window)
ks_stat as (
  select segment_column, segment_value, col_idx
    {%- for p in pairs %},
    max(gap_{{ p.p }}) as d_{{ p.p }},
    min(case when gap_{{ p.p }} = dmax_{{ p.p }} then v end) as at_value_{{ p.p }},
    min(case when gap_{{ p.p }} = dmax_{{ p.p }} then f_{{ p.ref }} end) as at_f_ref_{{ p.p }},
    min(case when gap_{{ p.p }} = dmax_{{ p.p }} then f_{{ p.cur }} end) as at_f_cur_{{ p.p }},
    coalesce(sum(wterm_{{ p.p }}), 0) as half_w_{{ p.p }}
    {%- endfor %}
    {%- for x in samples %},
    -- population variance (ddof 0) of u: the sample's is (2 * half_range)^2 times it
    {{ ml_monitor.safe_divide('sum(n_' ~ x ~ ' * case when abs(u_' ~ x ~ ' - mean_u_' ~ x ~ ') < ' ~ tiny ~ ' then 0 else (u_' ~ x ~ ' - mean_u_' ~ x ~ ') * (u_' ~ x ~ ' - mean_u_' ~ x ~ ') end)', 'max(valid_' ~ x ~ ')') }} as var_u_{{ x }},
    max(half_range_{{ x }}) as half_range_{{ x }},
    max(rows_{{ x }}) as rows_{{ x }}, max(valid_{{ x }}) as valid_{{ x }}, max(null_{{ x }}) as null_{{ x }},
    max(nonfinite_{{ x }}) as nonfinite_{{ x }}
    {%- endfor %}
  from ks_peaks
  group by segment_column, segment_value, col_idx
),
ks_columns as (
  {%- for c in cols %}
  select {{ c.idx }} as col_idx, {{ ml_monitor.to_string(ml_monitor.string_literal(c.name)) }} as column_name
  {%- if not loop.last %} union all{% endif %}
  {%- endfor %}
),
-- per evaluated window: the overall row of every column, plus the segments present in it
ks_rows as (
  {%- for p in pairs %}
  {%- set c_ = p.cur %}{%- set r_ = p.ref %}
  select kc.column_name, s.segment_column, s.segment_value,
    {%- if scope.multi %}
    {{ p.window.start_sql }} as window_start, {{ p.window.end_sql }} as window_end,
    {{ ml_monitor.string_literal(p.window.label) }} as ml_window_label,
    {{ ml_monitor._window_note_sql(scope, 'ml_frame', 'window_facts') }} as ml_window_note,
    {%- endif %}
    s.d_{{ p.p }} as d, s.at_value_{{ p.p }} as at_value, s.at_f_ref_{{ p.p }} as at_f_ref, s.at_f_cur_{{ p.p }} as at_f_cur,
    case when s.half_w_{{ p.p }} <= {{ ml_monitor.double_const('8.9e307') }} then 2 * s.half_w_{{ p.p }} end as wasserstein,
    -- population standard deviation (numpy's np.std(x - x.min()), ddof 0); 0 when it is below 1e-300
    case when coalesce(s.var_u_{{ r_ }}, 0) = 0 or s.half_range_{{ r_ }} = 0 then 0
         when {{ ml_monitor.ln('sqrt(s.var_u_' ~ r_ ~ ')') }} + {{ ml_monitor.ln('s.half_range_' ~ r_) }} < -690 then 0
         else 2 * sqrt(s.var_u_{{ r_ }}) * s.half_range_{{ r_ }} end as ref_std,
    s.rows_{{ c_ }} as cur_rows, s.rows_{{ r_ }} as ref_rows, s.valid_{{ c_ }} as cur_valid, s.valid_{{ r_ }} as ref_valid,
    s.null_{{ c_ }} as cur_null, s.null_{{ r_ }} as ref_null, s.nonfinite_{{ c_ }} as cur_nonfinite, s.nonfinite_{{ r_ }} as ref_nonfinite,
    case
      -- an empty current window: the documented 'no rows in window [...]' of _finalize_observations
      {%- if scope.multi %}
      when s.rows_{{ c_ }} = 0 then {{ ml_monitor.string_literal('no rows in window ' ~ p.window.label) }}
      {%- endif %}
      when s.rows_{{ r_ }} = 0 then {{ no_ref_text }} || case when s.segment_column is not null then ' for this segment' else '' end
      when s.valid_{{ r_ }} = 0 then 'no usable reference values: ' || {{ ml_monitor.to_string('s.null_' ~ r_) }} || ' null, '
        || {{ ml_monitor.to_string('s.nonfinite_' ~ r_) }} || ' non-finite of ' || {{ ml_monitor.to_string('s.rows_' ~ r_) }} || ' reference rows'
      {%- if not scope.multi %}
      when s.rows_{{ c_ }} = 0 then {{ ml_monitor.string_literal(ml_monitor._empty_reason(scope)) }}
      {%- endif %}
      when s.valid_{{ c_ }} = 0 then 'no usable current values: ' || {{ ml_monitor.to_string('s.null_' ~ c_) }} || ' null, '
        || {{ ml_monitor.to_string('s.nonfinite_' ~ c_) }} || ' non-finite of ' || {{ ml_monitor.to_string('s.rows_' ~ c_) }} || ' rows'
      {%- if statistic in ['wasserstein', 'wasserstein_norm'] %}
      when s.half_w_{{ p.p }} > {{ ml_monitor.double_const('8.9e307') }}
        then 'the Wasserstein distance is beyond the largest double precision number (1.8e308): values too far apart'
      {%- endif %}
    end as undefined_reason,
    case when s.nonfinite_{{ c_ }} + s.nonfinite_{{ r_ }} > 0
      then '; non-finite excluded: ' || {{ ml_monitor.to_string('s.nonfinite_' ~ c_) }} || ' current, ' || {{ ml_monitor.to_string('s.nonfinite_' ~ r_) }} || ' reference'
      else '' end
    || case when s.null_{{ c_ }} + s.null_{{ r_ }} > 0
      then '; nulls excluded: ' || {{ ml_monitor.to_string('s.null_' ~ c_) }} || ' current, ' || {{ ml_monitor.to_string('s.null_' ~ r_) }} || ' reference'
      else '' end
    {%- if setup.previous %} || '; reference: the previous window'{% endif %} as excluded_text
  from ks_stat as s
  join ks_columns as kc on kc.col_idx = s.col_idx
  {%- if scope.multi %}
  cross join window_facts
  cross join (select {{ p.window.start_sql }} as window_start, {{ p.window.end_sql }} as window_end) as ml_frame
  {%- endif %}
  where s.segment_column is null or s.rows_{{ c_ }} > 0
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),

{%- if statistic == 'ks_pvalue' %}
-- scipy.stats.ks_2samp(method='asymp'): kstwo.sf(D, round(en)), en = n * m / (n + m) rounded
-- half to even as numpy's round (see _ks_pvalue.sql)
ks_en as (
  select ks_rows.*, floor(ks_en) as ks_en_floor, ks_en - floor(ks_en) as ks_en_frac
  from (select ks_rows.*, {{ ml_monitor.safe_divide(ml_monitor.to_double('cur_valid') ~ ' * ' ~ ml_monitor.to_double('ref_valid'), 'cur_valid + ref_valid') }} as ks_en
        from ks_rows) as ks_rows
),
ks_y as (
  select ks_en.*, d as ks_x,
    {{ ml_monitor.to_bigint('case when ks_en_frac > 0.5 then ks_en_floor + 1 when ks_en_frac < 0.5 then ks_en_floor'
         ~ ' when ks_en_floor - 2 * floor(ks_en_floor / 2) = 0 then ks_en_floor else ks_en_floor + 1 end') }} as ks_n
  from ks_en
),
{{ ml_monitor._kstwo_sf_ctes('ks_y') }},
ks_values as (
  select ks_y.*, kp.kp_method, {{ ml_monitor._clamp01('kp.kp_sf') }} as stat_value
  from ks_y
  left join kp_sf as kp on kp.ks_n = ks_y.ks_n and kp.ks_x = ks_y.ks_x
),
{%- else %}
{%- set norm = ml_monitor.greatest2('ref_std', '0.001') %}
{%- set log_ratio = ml_monitor.ln('wasserstein') ~ ' - ' ~ ml_monitor.ln(norm) %}
ks_values as (
  select ks_rows.*,
    {%- if statistic == 'wasserstein_norm' %}
    -- a quotient beyond the double range is undefined, one below 1e-300 is 0 (PostgreSQL raises
    -- an error on either); ln, because the quotient itself is what must not be computed
    case when wasserstein is null or wasserstein = 0 then wasserstein
         when {{ log_ratio }} > 709 then null
         when {{ log_ratio }} < -690 then 0
         else wasserstein / {{ norm }} end as stat_value,
    case when wasserstein > 0 then case when {{ log_ratio }} > 709
      then 'the normed Wasserstein distance is beyond the largest double precision number (1.8e308)' end end as ml_norm_reason
    {%- else %}
    {{ {'ks': 'd', 'wasserstein': 'wasserstein'}[statistic] }} as stat_value
    {%- endif %}
  from ks_rows
),
{%- endif %}

long as (
  {%- set reason = 'coalesce(undefined_reason, ml_norm_reason)' if statistic == 'wasserstein_norm' else 'undefined_reason' -%}
  {%- set detail -%}
    {{ ml_monitor.string_literal(statistic ~ ' ') }} || coalesce({{ ml_monitor._fmt_pvalue('stat_value') if statistic == 'ks_pvalue' else ml_monitor._fmt('stat_value', 4) }}, '?')
      || case when stat_value {{ fail_op }} {{ threshold }} then ' {{ "below" if fail_op == "<" else "above" }} {{ threshold }}' else ' {{ "not below" if fail_op == "<" else "within" }} {{ threshold }}' end
      {%- if statistic == 'ks_pvalue' %}
      || ' (ks ' || coalesce({{ ml_monitor._fmt('d', 4) }}, '?') || ' on ' || {{ ml_monitor.to_string('cur_valid') }} || ' vs ' || {{ ml_monitor.to_string('ref_valid') }} || ' values)'
      {%- elif statistic == 'wasserstein_norm' %}
      || ' (wasserstein ' || coalesce({{ ml_monitor._fmt('wasserstein', 6) }}, '?') || ' / reference std ' || coalesce({{ ml_monitor._fmt('ref_std', 6) }}, '?') || ')'
      {%- endif %}
      {%- if statistic in ['ks', 'ks_pvalue'] %}
      || '; largest gap at value ' || coalesce({{ ml_monitor._fmt('at_value', 6) }}, '?')
      || ': reference cdf ' || coalesce({{ ml_monitor._fmt('100 * at_f_ref', 2) }}, '?')
      || '%, current cdf ' || coalesce({{ ml_monitor._fmt('100 * at_f_cur', 2) }}, '?') || '%'
      {%- endif %}
      || excluded_text
  {%- endset %}
  {#- facts: where the CDFs are furthest apart; null when D is undefined (engines order nulls differently) #}
  {%- set facts = ml_monitor._drift_facts(setup, extra_sql="',\"at_value\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then at_value end')
         ~ " || ',\"reference_cdf\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then at_f_ref end')
         ~ " || ',\"current_cdf\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then at_f_cur end')
         ~ " || ',\"ks\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then d end')
         ~ " || ',\"wasserstein\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then wasserstein end')
         ~ " || ',\"reference_std\":' || " ~ ml_monitor.json_number('case when undefined_reason is null then ref_std end')) %}
  select
    {{ ml_monitor._long_row(scope, none, statistic, column_sql='column_name',
         value='case when ' ~ reason ~ ' is null then stat_value end', threshold=threshold,
         sample_size='cur_rows',
         is_fail='coalesce(' ~ reason ~ ' is null and stat_value ' ~ fail_op ~ ' ' ~ threshold ~ ', false)',
         detail=detail, undefined_reason=reason, facts=facts) }}
  from ks_values
)

{{ ml_monitor._finalize_observations(test, 'long', scope, has_facts=true) }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}

{#- The residual of an integer or decimal value beyond double precision from its double, as a
    double (a small number, exact or nearly so): x - cast(double(x) as decimal). The cast back is
    monotone, so (double(x), residual) orders the values exactly and tells apart values that are
    one double (2^53 and 2^53 + 1), as scipy.stats.ks_2samp does on int64 or Decimal values. none
    for the columns a double holds exactly (doubles, integers of 32 bits and less, decimals of at
    most 15 digits). -#}
{% macro _ks_residual_sql(c) -%}
  {%- set t = c.dtype | lower | trim -%}
  {%- set dec = modules.re.match('^(decimal|numeric|number|bignumeric)\\s*(\\(\\s*(\\d+)\\s*(,\\s*(\\d+)\\s*)?\\))?', t) -%}
  {%- if c.is_integer and modules.re.match('^(u?bigint|u?hugeint|int8|int64|int128|long|number|numeric|decimal)', t) -%}
    {%- set scale = 0 -%}
  {%- elif dec is not none and not c.is_integer -%}
    {%- if dec.group(3) is not none and (dec.group(3) | int) <= 15 -%}{{ return(none) }}{%- endif -%}
    {%- set scale = (dec.group(5) | int) if dec.group(5) is not none else none -%}
  {%- else -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(ml_monitor._dispatch('ks_residual')(c.sql, scale)) }}
{%- endmacro %}
{% macro default__ks_residual(expr, scale) -%}
  {%- set s = scale if scale is not none else 9 -%}
  {%- set d = ml_monitor.to_double(expr) -%}
  case when not {{ ml_monitor.is_non_finite(expr) }} and abs({{ d }}) < {{ ml_monitor.double_const('1e' ~ (37 - s)) }}
    then {{ ml_monitor.to_double('cast(' ~ expr ~ ' as decimal(38, ' ~ s ~ ')) - cast(' ~ d ~ ' as decimal(38, ' ~ s ~ '))') }} end
{%- endmacro %}
{#- numeric without a bound: any number of digits, and a double casts to its 15 significant digits -#}
{% macro postgres__ks_residual(expr, scale) -%}
  case when not {{ ml_monitor.is_non_finite(expr) }}
    then cast(cast({{ expr }} as numeric) - cast(cast({{ expr }} as double precision) as numeric) as double precision) end
{%- endmacro %}
{#- BigQuery's NUMERIC holds 29 integer digits at most; BIGNUMERIC 38 -#}
{% macro bigquery__ks_residual(expr, scale) -%}
  case when not {{ ml_monitor.is_non_finite(expr) }} and abs({{ ml_monitor.to_double(expr) }}) < 1e37
    then cast(cast({{ expr }} as bignumeric) - cast({{ ml_monitor.to_double(expr) }} as bignumeric) as float64) end
{%- endmacro %}
