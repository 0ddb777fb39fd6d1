{#- The observation rows of a performance evaluation: CTE `long` (the model, or champion, against
    min_value / max_value and the reference; the challenger against the champion; the label
    coverage of each evaluated row set), then the final select through _finalize_observations. -#}
{% macro _perf_observations(p, arms) -%}
  {%- set test = p.test -%}
  {%- set metrics = p.metrics -%}
  {%- set registry = p.registry -%}
  {%- set mode = p.mode -%}
  {%- set scope = p.scope -%}
  {%- set lj = p.lj -%}
  {%- set drop = p.drop -%}
  {%- set margin = p.margin -%}
  {%- set min_value = p.min_value -%}
  {%- set max_value = p.max_value -%}
  {%- set min_coverage = p.min_coverage -%}
  {%- set s = ml_monitor._perf_s %}

-- observation rows: the model (or champion) against thresholds and the reference, the challenger
-- against the champion, and the label coverage of each evaluated row set. One select per arm and
-- direction (higher or lower is better) for all its metrics: mm_values is read a few times,
-- not once per metric (Spark inlines it into every reference). The label_coverage rows are
-- mm_values' rows of the metric 'label_coverage', read by the same select as the arm's first
-- metrics (a select of their own made Spark plan the label join once more for their counts).
long as (
  {%- set parts = [] %}
  {%- set covered = [] %}
  {%- set by_direction = {true: [], false: []} %}
  {%- for m in metrics %}{% do by_direction[registry[m].higher].append(m) %}{% endfor %}
  {%- for hib in [true, false] if by_direction[hib] %}
    {%- set ms = by_direction[hib] %}
    {%- for row_arm in (['a', 'b'] if mode == 'challenger' else ['a']) %}
      {%- if row_arm == 'a' %}
        {%- set base = ('o.value' if mode == 'reference' else none) %}
        {%- set bound = (ml_monitor._perf_bound_sql(drop, base, hib) if drop is not none else none) %}
        {%- set check_base = drop is not none %}
        {%- set base_word = 'reference' %}
        {%- set base_spec = drop %}
        {%- set base_arg = 'max_drop' %}
      {%- else %}
        {%- set base = 'o.value' %}
        {%- set bound = ml_monitor._perf_bound_sql(margin, base, hib) %}
        {%- set check_base = true %}
        {%- set base_word = 'champion' %}
        {%- set base_spec = margin %}
        {%- set base_arg = 'challenger_margin' %}
      {%- endif %}
      {%- set bad = [] %}
      {%- if hib and min_value is not none %}{% do bad.append(ml_monitor.double_literal(min_value)) %}{% endif %}
      {%- if not hib and max_value is not none %}{% do bad.append(ml_monitor.double_literal(max_value)) %}{% endif %}
      {%- if bound is not none %}{% do bad.append(bound) %}{% endif %}
      {%- if bad | length == 2 %}
        {%- set thr = ml_monitor.greatest2(bad[0], bad[1]) if hib else ml_monitor.least2(bad[0], bad[1]) %}
      {%- elif bad | length == 1 %}
        {%- set thr = bad[0] %}
      {%- elif hib and max_value is not none %}
        {%- set thr = ml_monitor.double_literal(max_value) %}
      {%- elif not hib and min_value is not none %}
        {%- set thr = ml_monitor.double_literal(min_value) %}
      {%- else %}
        {%- set thr = ml_monitor.null_double() %}
      {%- endif %}
      {%- set fails = [] %}
      {%- set texts = [] %}
      {%- if min_value is not none %}
        {%- do fails.append('v.value < ' ~ ml_monitor.double_literal(min_value)) %}
        {%- do texts.append("case when v.value < " ~ ml_monitor.double_literal(min_value) ~ " then '; below min_value " ~ min_value ~ "' else '' end") %}
      {%- endif %}
      {%- if max_value is not none %}
        {%- do fails.append('v.value > ' ~ ml_monitor.double_literal(max_value)) %}
        {%- do texts.append("case when v.value > " ~ ml_monitor.double_literal(max_value) ~ " then '; above max_value " ~ max_value ~ "' else '' end") %}
      {%- endif %}
      {%- if bound is not none %}
        {%- set cmp = ('v.value < ' ~ bound) if hib else ('v.value > ' ~ bound) %}
        {%- do fails.append(cmp) %}
        {%- do texts.append("case when " ~ cmp ~ " then '; " ~ ('below' if hib else 'above') ~ " ' || " ~ ml_monitor._fmt(bound) ~ " || ': worse than the " ~ base_word ~ " by more than " ~ base_arg ~ " " ~ base_spec.amount ~ " (" ~ base_spec.kind ~ ")' else '' end") %}
      {%- endif %}
      {#- the arm's label_coverage rows come with its first select -#}
      {%- set cov_arms = [] %}
      {%- for arm in arms if arm.coverage and arm.id == row_arm and row_arm not in covered %}
        {%- do cov_arms.append(arm) %}
      {%- endfor %}
      {%- do covered.append(row_arm) %}
      {%- set cov = ml_monitor._perf_coverage_columns(p, cov_arms[0]) if cov_arms else none %}
      {%- set w = ml_monitor._perf_cov_case %}
      {%- set value_sql %}
    case
      when v.value is null then null
      {%- if check_base %}
      when o.value is null then null
      when o.n_used < {{ scope.min_rows }} then null
      {%- endif %}
      else v.value
    end
      {%- endset %}
      {%- set detail_sql %}
    v.metric || ' ' || {{ ml_monitor._fmt('v.value') }} || ' on ' || {{ s('v.n_used') }} || ' labelled rows'
      || '; label coverage ' || {{ ml_monitor._fmt('100.0 * v.n_labelled / nullif(v.n_rows, 0)', 1) }} || '% (' || {{ s('v.n_labelled') }} || ' of ' || {{ s('v.n_rows') }} || ' eligible predictions)'
      || case when v.n_excluded > 0 then '; ' || {{ s('v.n_excluded') }} || ' labelled rows with a null input excluded' else '' end
      || case when v.n_dup > 0 then '; ' || {{ s('v.n_dup') }} || ' labels picked among duplicates (' || {{ ml_monitor.string_literal(lj.dedup_rule) }} || ')' else '' end
      || v.note
      {%- if base is not none %}
      || case when o.value is not null then '; {{ base_word }} ' || {{ ml_monitor._fmt('o.value') }} || ' on ' || {{ s('o.n_used') }} || ' rows' else '' end
      {%- endif %}
      {%- for t in texts %}
      || {{ t }}
      {%- endfor %}
      {%- endset %}
      {%- set reason_sql %}
    case
      when v.value is null then v.reason
      {%- if check_base %}
      when o.value is null then '{{ base_word }} ' || v.metric || ' undefined (' || coalesce(o.reason, 'no {{ base_word }} rows for this segment') || '); current value ' || {{ ml_monitor._fmt('v.value') }}
      when o.n_used < {{ scope.min_rows }} then '{{ base_word }} has only ' || {{ s('o.n_used') }} || ' rows, below min_rows {{ scope.min_rows }}; current value ' || {{ ml_monitor._fmt('v.value') }}
      {%- endif %}
    end
      {%- endset %}
      {%- set facts_sql %}
    {{ ml_monitor._perf_facts(p, 'v') }}
      {%- if base is not none %}
      || ',"baseline_used":' || {{ ml_monitor.json_int('o.n_used') }}
      {%- endif %}
      || v.facts_extra || '}'
      {%- endset %}
      {%- set part %}
  select
    {{ w(cov, 'column_name', 'v.column_name') }} as column_name,
    v.segment_column,
    v.segment_value{{ ml_monitor._perf_window_columns(p, 'v') }},
    v.metric,
    {{ w(cov, 'value', value_sql) }} as value,
    {{ w(cov, 'threshold', thr) }} as threshold,
    {{ w(cov, 'baseline_value', base if base is not none else ml_monitor.null_double()) }} as baseline_value,
    {{ w(cov, 'sample_size', 'v.n_used') }} as sample_size,
    {{ w(cov, 'is_fail', (fails | join(' or ')) if fails else 'false') }} as is_fail,
    {{ w(cov, 'detail', detail_sql) }} as detail,
    {{ w(cov, 'undefined_reason', reason_sql) }} as undefined_reason,
    {{ w(cov, 'facts', facts_sql) }} as facts
  from mm_values as v
  {%- if mode != 'plain' %}
  left join mm_values as o
    on o.mm_arm = {{ ml_monitor.string_literal('a' if row_arm == 'b' else 'b') }} and o.metric = v.metric and
    {%- if p.multi %} o.mm_w = {{ '-1' if (mode == 'reference' and p.ref_fixed) else 'v.mm_w' }} and{% endif %} {{ ml_monitor._perf_seg_match('o', 'v') }}
  {%- endif %}
  where v.mm_arm = {{ ml_monitor.string_literal(row_arm) }} and v.metric in ({% for m in ms %}{{ ml_monitor.string_literal(m) }}{% if not loop.last %}, {% endif %}{% endfor %}{% if cov is not none %}, 'label_coverage'{% endif %})
      {%- endset %}
      {%- do parts.append(part) %}
    {%- endfor %}
  {%- endfor %}
  {%- for arm in arms if arm.coverage and arm.id not in covered %}
    {%- set cov = ml_monitor._perf_coverage_columns(p, arm) %}
    {%- set part %}
  select
    {{ cov.column_name }} as column_name,
    v.segment_column,
    v.segment_value{{ ml_monitor._perf_window_columns(p, 'v') }},
    v.metric,
    {{ cov.value }} as value,
    {{ cov.threshold }} as threshold,
    {{ cov.baseline_value }} as baseline_value,
    {{ cov.sample_size }} as sample_size,
    {{ cov.is_fail }} as is_fail,
    {{ cov.detail }} as detail,
    {{ cov.undefined_reason }} as undefined_reason,
    {{ cov.facts }} as facts
  from mm_values as v
  where v.mm_arm = {{ ml_monitor.string_literal(arm.id) }} and v.metric = 'label_coverage'
    {%- endset %}
    {%- do parts.append(part) %}
  {%- endfor %}
  {{ parts | join('\n  union all') }}
)

{#- the final rows (with anomaly: ml_observed, then the anomaly rows). Read `long` once: a
    left join of these rows back to `long` (to carry undefined_reason into an empty row's detail,
    which _finalize_observations does itself) made Spark, which inlines a CTE into every
    reference, plan the label join, the aggregates and the ranks twice. -#}
{{ ml_monitor._finalize_observations(test, 'long', scope, has_facts=true) }}
{%- endmacro %}

{#- The columns of an arm's label_coverage rows (mm_values rows `v` of the metric 'label_coverage'):
    the share of eligible predictions with a label, against min_coverage. -#}
{% macro _perf_coverage_columns(p, arm) -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set lj = p.lj -%}
  {%- set min_coverage = p.min_coverage -%}
  {%- set share = ml_monitor.safe_divide('v.n_labelled', 'v.n_rows') -%}
  {%- set detail -%}
    {{ s('v.n_labelled') }} || ' of ' || {{ s('v.n_rows') }} || ' eligible predictions'
      || '{{ (" older than " ~ lj.delay.count ~ " " ~ lj.delay.period ~ ("s" if lj.delay.count != 1 else "")) if lj.delay else "" }}'
      || ' have a label (' || {{ ml_monitor._fmt('100.0 * v.n_labelled / nullif(v.n_rows, 0)', 1) }} || '%)'
      || case when v.n_dup > 0 then '; ' || {{ s('v.n_dup') }} || ' labels picked among duplicates (' || {{ ml_monitor.string_literal(lj.dedup_rule) }} || ')' else '' end
      {%- if min_coverage is not none %}
      || case when {{ share }} < {{ ml_monitor.double_literal(min_coverage) }} then '; below min_coverage {{ min_coverage }}' else '' end
      {%- endif %}
  {%- endset -%}
  {{ return({
    'column_name': ml_monitor.string_literal(lj.label_name ~ arm.suffix),
    'value': share,
    'threshold': ml_monitor.double_literal(min_coverage),
    'baseline_value': ml_monitor.null_double(),
    'sample_size': 'v.n_rows',
    'is_fail': (share ~ ' < ' ~ ml_monitor.double_literal(min_coverage)) if min_coverage is not none else 'false',
    'detail': detail,
    'undefined_reason': 'case when v.n_rows = 0 then v.reason end',
    'facts': ml_monitor._perf_facts(p, 'v', coverage=true) ~ " || '}'"}) }}
{%- endmacro %}

{#- A column of a select that also carries the arm's label_coverage rows (`cov`; none: it does not). -#}
{% macro _perf_cov_case(cov, name, sql) -%}
  {%- if cov is none -%}{{ return(sql) }}{%- endif -%}
  {{ return("case when v.metric = 'label_coverage' then " ~ cov[name] ~ " else " ~ sql ~ " end") }}
{%- endmacro %}

{#- The opening members of a row's facts (close with || '}'): counts of the eligible, labelled and
    used rows, the label coverage, the label rule, and the reference or challenger. `v`: alias of
    an mm_values row; `coverage`: a label_coverage row (no used / excluded counts). -#}
{% macro _perf_facts(p, v, coverage=false) -%}
  {%- set c = v ~ '.' -%}
  '{"rows":' || {{ ml_monitor.json_int(c ~ 'n_rows') }}
    || ',"labelled":' || {{ ml_monitor.json_int(c ~ 'n_labelled') }}
    {%- if not coverage %}
    || ',"used":' || {{ ml_monitor.json_int(v ~ '.n_used') }}
    || ',"excluded_null_input":' || {{ ml_monitor.json_int(v ~ '.n_excluded') }}
    {%- endif %}
    || ',"duplicate_labels":' || {{ ml_monitor.json_int(c ~ 'n_dup') }}
    || ',"label_coverage":' || {{ ml_monitor.json_number(ml_monitor.safe_divide(c ~ 'n_labelled', c ~ 'n_rows')) }}
    || ',"labels":' || {{ ml_monitor.json_literal({'delay': p.lj.delay, 'duplicates': p.lj.dedup_rule}) }}
    || ',"reference":' || {{ p.reference_fact_sql.replace('{w}', c ~ 'mm_w') }}
    || ',"challenger":' || {{ ml_monitor.json_literal(p.challenger_fact) }}
{%- endmacro %}
