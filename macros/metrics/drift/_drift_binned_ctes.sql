{#- Everything up to `drift_rows`: one row per (segment, column) with psi,
    js_distance, hellinger, total_variation, linf, chi2_stat / chi2_dof (and chi2_pvalue when
    chi2_max_dof is given: the largest degrees of freedom any column can have), the bin that moved most, counts, every bin (bins_json) and undefined_reason. Also defines
    drift_columns and current_counts / reference_counts (rows and extra aggregates per
    segment; the latter unless a baseline is used). After the two scans the steps form a
    chain (window functions instead of self-joins), so engines that inline CTEs (Spark)
    do not repeat the scans. -#}
{% macro _drift_binned_ctes(setup, cols, args, include_nulls, extra_columns=[], extra_aggregates=[], chi2_max_dof=none) -%}
  {%- set scope = setup.scope -%}
  {%- set bin_rows = ml_monitor._bin_list_rows(cols, include_nulls) -%}
  {%- set nse = ml_monitor.null_safe_equal -%}
  {%- set multi = scope.multi -%}
  {#- windows: N -> the current side is grouped by window too; the reference is shared -#}
  {%- set wk = 'ml_window_start, ' if multi else '' -%}
  {%- set part = 'partition by ' ~ wk ~ 'segment_column, segment_value, col_idx' -%}
{{ ml_monitor._bin_list_cte(bin_rows) }},
{%- if multi %}
windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),
{%- endif %}
{%- set column_rows = [] -%}
{%- for c in cols -%}{%- do column_rows.append(ml_monitor._drift_column_literals(c)) -%}{%- endfor %}
drift_columns as (
  select * from {{ ml_monitor.literal_rows(column_rows, ['col_idx', 'column_name', 'column_reason'], 'ml_columns') }}
),
{{ ml_monitor._drift_count_ctes('current', setup.relation, scope.filter, scope, cols, bin_rows, extra_columns, extra_aggregates, by_window=multi) }},
{%- if setup.baseline is not none %}
{{ ml_monitor._baseline_reference_ctes(setup, cols) }},
{%- else %}
{{ ml_monitor._drift_count_ctes('reference', setup.ref_relation, setup.ref_filter, scope, cols, bin_rows, extra_columns, extra_aggregates) }},
{%- endif %}
-- every bin of every column, for the overall row and each segment present in the current window
cells as (
  select {{ 'k.' ~ wk if multi else '' }}k.segment_column, k.segment_value, b.col_idx, b.bin_index, b.bin_label, b.category, b.is_valid,
    coalesce(c.n, 0) as cur_n,
    coalesce(r.n, 0) as ref_n,
    k.n_rows as cur_rows,
    coalesce(r_rows_long.n_rows, 0) as ref_rows
  from current_rows as k
  cross join bin_list as b
  left join current_cells as c
    on c.col_idx = b.col_idx and c.bin_index = b.bin_index
   {%- if multi %} and c.ml_window_start = k.ml_window_start{% endif %}
   and {{ nse('c.segment_column', 'k.segment_column') }} and {{ nse('c.segment_value', 'k.segment_value') }}
  left join reference_cells as r
    on r.col_idx = b.col_idx and r.bin_index = b.bin_index
   and {{ nse('r.segment_column', 'k.segment_column') }} and {{ nse('r.segment_value', 'k.segment_value') }}
  left join reference_rows as r_rows_long
    on {{ nse('r_rows_long.segment_column', 'k.segment_column') }} and {{ nse('r_rows_long.segment_value', 'k.segment_value') }}
  where (k.segment_column is null or k.n_rows > 0)
  {%- if multi %}
    and k.ml_window_start is not null
  {%- endif %}
),
{%- if multi %}
{{ ml_monitor._drift_window_facts('current_counts') }},
{%- endif %}
{{ ml_monitor._drift_binned_tail(setup, args, include_nulls, chi2_max_dof) }}
{%- endmacro %}

{#- From `cells` (one row per [window,] segment, column and bin with cur_n / ref_n / cur_rows /
    ref_rows) and `drift_columns` to `drift_rows`: shares, PSI and JS terms, the bin that moved
    most, the undefined reasons. Shared by the fixed-reference and the previous-window paths
    (the latter's drift_columns are per evaluated window: bins differ from window to window). -#}
{% macro _drift_binned_tail(setup, args, include_nulls, chi2_max_dof=none) -%}
  {%- set multi = setup.scope.multi -%}
  {%- set previous = setup.get('previous') -%}
  {%- set wk = 'ml_window_start, ' if multi else '' -%}
  {%- set part = 'partition by ' ~ wk ~ 'segment_column, segment_value, col_idx' -%}
-- valid / null / non-finite counts per (segment, column), beside every bin
counted as (
  select cells.*,
    sum(case when is_valid = 1 then cur_n else 0 end) over ({{ part }}) as cur_valid,
    sum(case when is_valid = 1 then ref_n else 0 end) over ({{ part }}) as ref_valid,
    sum(case when bin_index = -1 then cur_n else 0 end) over ({{ part }}) as cur_null,
    sum(case when bin_index = -1 then ref_n else 0 end) over ({{ part }}) as ref_null,
    sum(case when bin_index = -2 then cur_n else 0 end) over ({{ part }}) as cur_nonfinite,
    sum(case when bin_index = -2 then ref_n else 0 end) over ({{ part }}) as ref_nonfinite
  from cells
),
-- shares of the valid bins (nulls only with include_nulls; non-finite never)
shares as (
  select counted.*,
    case when is_valid = 1 then {{ ml_monitor.safe_divide('cur_n', 'cur_valid') }} end as cur_raw,
    case when is_valid = 1 then {{ ml_monitor.safe_divide('ref_n', 'ref_valid') }} end as ref_raw
  from counted
),
{%- if args.zero_fill == 'evidently' %}
-- Evidently 0.7's zero fill: an empty bin gets 0.0001, or (smallest non-zero share) / 1e6
-- when that smallest share is <= 0.0001; each side on its own
share_minimums as (
  select shares.*,
    min(case when cur_raw > 0 then cur_raw end) over ({{ part }}) as cur_min,
    min(case when ref_raw > 0 then ref_raw end) over ({{ part }}) as ref_min
  from shares
),
filled as (
  select share_minimums.*,
    case when cur_raw = 0 then (case when cur_min <= 0.0001 then cur_min / 1000000.0 else 0.0001 end) else cur_raw end as cur_share,
    case when ref_raw = 0 then (case when ref_min <= 0.0001 then ref_min / 1000000.0 else 0.0001 end) else ref_raw end as ref_share
  from share_minimums
),
{%- else %}
-- shares floored at epsilon so that ln() is defined for empty bins
filled as (
  select shares.*,
    case when is_valid = 1 then {{ ml_monitor.greatest2('cur_raw', ml_monitor.double_const(args.epsilon)) }} end as cur_share,
    case when is_valid = 1 then {{ ml_monitor.greatest2('ref_raw', ml_monitor.double_const(args.epsilon)) }} end as ref_share
  from shares
),
{%- endif %}
terms as (
  select filled.*,
    case when is_valid = 1 then (cur_share - ref_share) * {{ ml_monitor.ln('cur_share / ref_share') }} end as psi_term,
    -- Jensen-Shannon on the raw shares (0 * ln 0 = 0): no epsilon needed
    case when is_valid = 1 then
      case when cur_raw > 0 then cur_raw * {{ ml_monitor.ln('cur_raw / ((cur_raw + ref_raw) / 2)') }} else 0 end
      + case when ref_raw > 0 then ref_raw * {{ ml_monitor.ln('ref_raw / ((cur_raw + ref_raw) / 2)') }} else 0 end
    end as js_term,
    -- Hellinger, total variation and L-infinity on the raw shares
    case when is_valid = 1 then (sqrt(cur_raw) - sqrt(ref_raw)) * (sqrt(cur_raw) - sqrt(ref_raw)) end as hel_term,
    case when is_valid = 1 then abs(cur_raw - ref_raw) end as abs_diff,
    -- Pearson's chi-square on the 2 x k table of counts (reference, current), bins empty on both
    -- sides left out (scipy.stats.chi2_contingency refuses zero expected counts)
    case when is_valid = 1 and ref_n + cur_n > 0 then
      {{ ml_monitor.safe_divide('(ref_n - ref_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid)) * (ref_n - ref_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid))',
                                 'ref_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid)') }}
      + {{ ml_monitor.safe_divide('(cur_n - cur_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid)) * (cur_n - cur_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid))',
                                   'cur_valid * ' ~ ml_monitor.to_double('ref_n + cur_n') ~ ' / (ref_valid + cur_valid)') }}
    end as chi2_term,
    case when is_valid = 1 and ref_n + cur_n > 0 then 1 else 0 end as chi2_cell,
    row_number() over ({{ part }}
                       order by is_valid desc, abs(coalesce(cur_raw, 0) - coalesce(ref_raw, 0)) desc, bin_index) as move_rank
  from filled
),
drift as (
  select {{ 't.' ~ wk if multi else '' }}t.segment_column, t.segment_value, t.col_idx,
    max(dc.column_name) as column_name,
    max(dc.column_reason) as column_reason,
    sum(t.psi_term) as psi,
    sum(t.js_term) as js_sum,
    sum(t.hel_term) as hel_sum,
    sum(t.abs_diff) as abs_sum,
    max(t.abs_diff) as linf,
    sum(t.chi2_term) as chi2_stat,
    sum(t.chi2_cell) - 1 as chi2_dof,
    max(case when t.move_rank = 1 then t.bin_label end) as top_bin,
    max(case when t.move_rank = 1 then t.ref_raw end) as top_ref_share,
    max(case when t.move_rank = 1 then t.cur_raw end) as top_cur_share,
    max(t.cur_rows) as cur_rows, max(t.ref_rows) as ref_rows,
    max(t.cur_valid) as cur_valid, max(t.ref_valid) as ref_valid,
    max(t.cur_null) as cur_null, max(t.ref_null) as ref_null,
    max(t.cur_nonfinite) as cur_nonfinite, max(t.ref_nonfinite) as ref_nonfinite,
    -- every valid bin's counts and raw shares, for the facts column
    {{ ml_monitor.json_array_agg(ml_monitor._drift_bin_fact('t'), 't.bin_index') }} as bins_json
  from terms as t
  join drift_columns as dc on dc.col_idx = t.col_idx
  {%- if previous %} and dc.ml_window_start = t.ml_window_start{% endif %}
  group by {{ 't.' ~ wk if multi else '' }}t.segment_column, t.segment_value, t.col_idx
),
drift_rows{{ '_base' if chi2_max_dof is not none else '' }} as (
  select
    column_name,
    segment_column,
    segment_value,
    {%- if multi %}
    windows_frame.window_start, windows_frame.window_end, windows_frame.ml_window_label,
    {{ ml_monitor._window_note_sql(setup.scope, 'windows_frame', 'window_facts') }} as ml_window_note,
    {%- endif %}
    col_idx,
    psi,
    sqrt({{ ml_monitor.greatest2('js_sum / 2 / ' ~ ml_monitor.ln('2.0'), '0.0') }}) as js_distance,
    sqrt({{ ml_monitor.greatest2('hel_sum / 2', '0.0') }}) as hellinger,
    abs_sum / 2 as total_variation,
    linf,
    chi2_stat, chi2_dof,
    top_bin, top_ref_share, top_cur_share,
    cur_rows, ref_rows, cur_valid, ref_valid, cur_null, ref_null, cur_nonfinite, ref_nonfinite,
    bins_json,
    case
      when column_reason is not null then column_reason
      {%- if multi %}
      when cur_rows = 0 then 'no rows in window ' || windows_frame.ml_window_label
      {%- endif %}
      {%- if previous %}
      when ref_rows = 0 then 'no rows in the previous window'
        || case when segment_column is not null then ' for this segment' else '' end
      {%- else %}
      when ref_rows = 0 then {{ ml_monitor._drift_no_ref_text(setup) }}
        || case when segment_column is not null then ' for this segment' else '' end
      {%- endif %}
      when ref_valid = 0 then 'no usable reference values: ' || {{ ml_monitor.to_string('ref_null') }} || ' null, '
        || {{ ml_monitor.to_string('ref_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('ref_rows') }} || ' reference rows'
      -- an empty current window: the documented 'no rows in window [...]' of _finalize_observations
      when cur_rows = 0 then {{ ml_monitor.string_literal(ml_monitor._empty_reason(setup.scope)) }}
      when cur_valid = 0 then 'no usable current values: ' || {{ ml_monitor.to_string('cur_null') }} || ' null, '
        || {{ ml_monitor.to_string('cur_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('cur_rows') }} || ' rows'
    end as undefined_reason,
    -- what was left out, for the detail text
    case when cur_nonfinite + ref_nonfinite > 0
      then '; non-finite excluded: ' || {{ ml_monitor.to_string('cur_nonfinite') }} || ' current, ' || {{ ml_monitor.to_string('ref_nonfinite') }} || ' reference'
      else '' end
    {%- if not include_nulls %}
    || case when cur_null + ref_null > 0
      then '; nulls excluded: ' || {{ ml_monitor.to_string('cur_null') }} || ' current, ' || {{ ml_monitor.to_string('ref_null') }} || ' reference'
      else '' end
    {%- endif %}
    {%- if previous %} || '; reference: the previous window'{% endif %} as excluded_text
  from drift
  {%- if multi %}
  join windows_frame on windows_frame.window_start = drift.ml_window_start
  cross join window_facts
  {%- endif %}
)
{%- if chi2_max_dof is not none %},
-- the chi-square p-value (scipy.stats.chi2.sf), from x / 2 and ln(x / 2)
drift_chi2 as (
  select drift_rows_base.*,
    chi2_stat / 2.0 as chi2_h,
    {{ ml_monitor.ln('case when chi2_stat > 0 then chi2_stat / 2.0 end') }} as chi2_lnh
  from drift_rows_base
),
drift_rows as (
  select drift_chi2.*,
    {{ ml_monitor._chi2_sf_sql('chi2_stat', 'chi2_dof', chi2_max_dof, 'chi2_h', 'chi2_lnh') }} as chi2_pvalue_raw
  from drift_chi2
)
{%- endif %}
{%- endmacro %}

{#- With windows: N, the facts every window's detail ends with (as the data-quality monitors'):
    rows with a NULL timestamp (read by the current scan, in no window: counted, excluded) and
    the first timestamp of the scanned windows (a partly covered first window). From a counts
    CTE grouped by window (null = NULL timestamp) and segment, with n_rows and ml_first_ts. -#}
{% macro _drift_window_facts(counts) -%}
{{ ml_monitor._window_facts_cte(counts, 'n_rows') }}
{%- endmacro %}
