{#- Observation rows of the binned drift metrics (psi, js_distance) and their detail text. -#}

{#- "largest shift in bin (a, b]: 10.00% -> 25.00%"; "no bin moved" when the largest shift is 0
    (identical shares: naming a bin would point at an arbitrary one) -#}
{% macro _moved_bin_text(prefix='') -%}
  case when {{ prefix }}top_ref_share = {{ prefix }}top_cur_share then '; no bin moved'
  else '; largest shift in bin ' || coalesce({{ prefix }}top_bin, '?') || ': '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_ref_share', 2) }}, '?') || '% -> '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_cur_share', 2) }}, '?') || '%' end
{%- endmacro %}

{#- One observation row per (segment, column) for a binned metric (psi, js_distance, hellinger,
    total_variation, linf, chi2_pvalue: a column of drift_rows); fail_op '<' for p-values. -#}
{% macro _drift_metric_rows(setup, metric, value_sql, threshold, fail_op='>', scope=none) -%}
  {%- set scope = setup.scope if scope is none else scope -%}
  {%- set detail -%}
    {{ ml_monitor.string_literal(metric ~ ' ') }} || coalesce({{ ml_monitor._fmt_pvalue(value_sql) if fail_op == '<' else ml_monitor._fmt(value_sql, 4) }}, '?')
      {%- if threshold is not none %}
      || case when {{ value_sql }} {{ fail_op }} {{ threshold }} then ' {{ {">=": "at or above", ">": "above", "<": "below"}[fail_op] }} {{ threshold }}' else ' {{ "not below" if fail_op == "<" else "within" }} {{ threshold }}' end
      {%- endif %}
      {%- if metric == 'chi2_pvalue' %}
      || ' (chi-square ' || coalesce({{ ml_monitor._fmt('chi2_stat', 4) }}, '?') || ', dof ' || coalesce({{ ml_monitor.to_string('chi2_dof') }}, '?') || ')'
      {%- endif %}
      || {{ ml_monitor._moved_bin_text() }}
      || excluded_text
  {%- endset %}
  {%- if metric == 'chi2_pvalue' %}
    {%- set facts = ml_monitor._drift_facts(setup, 'bins_json', extra_sql="',\"chi2_statistic\":' || " ~ ml_monitor.json_number('chi2_stat') ~ " || ',\"chi2_dof\":' || " ~ ml_monitor.json_int('chi2_dof')) %}
  {%- else %}
    {%- set facts = ml_monitor._drift_facts(setup, 'bins_json') %}
  {%- endif %}
  select
    {{ ml_monitor._long_row(scope or {'multi': false}, none, metric, column_sql='column_name',
         value='case when undefined_reason is null then ' ~ value_sql ~ ' end', threshold=threshold,
         sample_size='cur_rows',
         is_fail='false' if threshold is none
                 else 'coalesce(undefined_reason is null and ' ~ value_sql ~ ' ' ~ fail_op ~ ' ' ~ threshold ~ ', false)',
         detail=detail, undefined_reason='undefined_reason', facts=facts) }}
  from drift_rows
{%- endmacro %}

{#- One bin of a drift row as JSON (null for the bins that are not counted: non-finite values,
    and nulls unless include_nulls): label, index, the category (categorical bins; null for
    numeric bins, the unseen-categories bin and the null bin), counts and raw shares (before
    the epsilon floor) of both sides. -#}
{% macro _drift_bin_fact(t) -%}
  case when {{ t }}.is_valid = 1 then
    '{"bin":' || {{ ml_monitor.json_string(t ~ '.bin_label') }}
    || ',"index":' || {{ ml_monitor.json_int(t ~ '.bin_index') }}
    || ',"category":' || {{ ml_monitor.json_string(t ~ '.category') }}
    || ',"reference_n":' || {{ ml_monitor.json_int(t ~ '.ref_n') }}
    || ',"current_n":' || {{ ml_monitor.json_int(t ~ '.cur_n') }}
    || ',"reference":' || {{ ml_monitor.json_number(t ~ '.ref_raw') }}
    || ',"current":' || {{ ml_monitor.json_number(t ~ '.cur_raw') }} || '}'
  end
{%- endmacro %}

{#- The reference of a drift monitor as a JSON literal: the other relation, its where, its window,
    or the frozen baseline (nulls for what does not apply). -#}
{% macro _drift_reference_fact(setup) -%}
  {%- if setup.get('previous') -%}
    {{ return(ml_monitor.json_literal({'previous_window': true})) }}
  {%- endif -%}
  {{ return(ml_monitor.json_literal({
      'relation': (setup.reference | string) if setup.get('reference') is not none else none,
      'where': setup.get('ref_where'),
      'window_start': setup.ref_window_start.strftime('%Y-%m-%d %H:%M:%S') if setup.ref_window_start is not none else none,
      'window_end': setup.ref_window_end.strftime('%Y-%m-%d %H:%M:%S') if setup.ref_window_end is not none else none,
      'baseline': setup.baseline})) }}
{%- endmacro %}

{#- The facts of a drift row (columns of drift_rows / ks_rows): reference, row counts of both
    sides (all, usable, null, non-finite), when `bins_sql` is given every bin, and `extra_sql`
    (SQL text of more members, starting with a comma). -#}
{% macro _drift_facts(setup, bins_sql=none, extra_sql=none) -%}
  '{"reference":' || {{ ml_monitor._drift_reference_fact(setup) }}
  {%- for side, p in [('current', 'cur'), ('reference', 'ref')] %}
    {%- for what in ['rows', 'valid', 'null', 'nonfinite'] %}
  || ',"{{ side }}_{{ what }}":' || {{ ml_monitor.json_int(p ~ '_' ~ what) }}
    {%- endfor %}
  {%- endfor %}
  {%- if bins_sql is not none %}
  || ',"bins":' || {{ bins_sql }}
  {%- endif %}
  {%- if extra_sql is not none %}
  || {{ extra_sql }}
  {%- endif %}
  || '}'
{%- endmacro %}
