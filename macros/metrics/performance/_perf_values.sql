{#- CTEs mm_frame (every (arm, segment) to report, with mm_agg's aggregates), mm_metrics (all the
    aggregates of each, joined with the families' CTEs) and mm_values (one row per (arm, segment, metric): value, rows used,
    why it is undefined; with a row of the metric 'label_coverage' per (arm, segment) when an arm
    reports its label coverage: the row and label counts that row reads). `parts`: the merged
    parts of the metric families (see performance). -#}
{% macro _perf_values_ctes(p, arms, parts) -%}
  {%- set metrics = p.metrics -%}
  {%- set registry = p.registry -%}
  {%- set by_columns = p.by_columns -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set k = ml_monitor._perf_k(p) -%}
  {#- the windows of each arm's rows (windows: N): every evaluated window, one (-1) for a fixed reference -#}
  {%- set arm_windows = {} -%}
  {%- for arm in arms -%}
    {%- if not p.multi -%}{%- do arm_windows.update({arm.id: [none]}) -%}
    {%- elif arm.side == 'ref' and p.ref_fixed -%}{%- do arm_windows.update({arm.id: [-1]}) -%}
    {%- else -%}{%- do arm_windows.update({arm.id: p.scope.windows | map(attribute='idx') | list}) -%}
    {%- endif -%}
  {%- endfor %}

-- every (window, arm, segment) that must be reported, with its aggregates: mm_agg's rows, plus
-- the overall row of each arm (in every window), which exists even when empty. The literal rows
-- are added to mm_agg's (union all, then one row per key: max() picks mm_agg's value over the
-- literal row's null) rather than joined to a list of mm_agg's keys: that list read mm_agg
-- pruned to its keys, which Spark planned as one more scan and label join of the predictions.
{%- set agg_names = ml_monitor._perf_base_agg_names(p) + parts.agg_names %}
{%- set keys = k ~ 'mm_arm, segment_column, segment_value' %}
mm_frame as (
  select {{ keys }}{% for n in agg_names %}, max({{ n }}) as {{ n }}{% endfor %}
  from (
    select {{ keys }}{% for n in agg_names %}, {{ n }}{% endfor %} from mm_agg
    {%- for arm in arms %}
    {%- for w in arm_windows[arm.id] %}
    union all
    select {% if w is not none %}{{ w }}, {% endif %}{{ ml_monitor.string_literal(arm.id) }}, {{ ml_monitor.null_string() }}, {{ ml_monitor.null_string() }}{% for n in agg_names %}, null{% endfor %}
    {%- endfor %}
    {%- endfor %}
  ) as mm_frame_rows
  group by {{ keys }}
),


mm_metrics as (
  select
    {{ ml_monitor._perf_k(p, 'g') }}g.mm_arm, g.segment_column, g.segment_value,
    coalesce(g.n_rows, 0) as n_rows,
    coalesce(g.n_labelled, 0) as n_labelled,
    coalesce(g.n_dup, 0) as n_dup,
    coalesce(g.n_p, 0) as n_p,
    coalesce(g.n_s, 0) as n_s
    {%- if p.need_score %},
    g.n_pos_s, g.n_nonfinite, g.n_outside, g.s_min, g.s_max
    {%- endif %}
    {{- parts.columns }}
  from mm_frame as g
  {{- parts.joins }}
),

-- one row per (arm, segment, metric): value, rows used, why it is undefined. The metrics are a
-- list of literal rows crossed with mm_metrics (one read of it, whatever the number of metrics:
-- Spark inlines a CTE into every reference, and a union of one select per metric made it plan
-- mm_metrics and every CTE behind it once per metric); each column picks its metric's SQL.
mm_values as (
  {%- set cols = {'column_name': [], 'value': [], 'n_used': [], 'reason': [], 'n_excluded': [], 'note': [], 'facts_extra': []} %}
  {%- for m in metrics %}
    {%- set spec = ml_monitor._perf_metric_sql(m, registry) %}
    {%- set input = registry[m].input %}
    {%- set column %}case {% for arm in arms %}when mm_arm = {{ ml_monitor.string_literal(arm.id) }} then {{ ml_monitor.string_literal(ml_monitor._perf_metric_column(spec, arm, input)) }} {% endfor %}end{% endset %}
    {%- set reason -%}
      case
        {%- if spec.empty_reason != 'null' %}
        when {{ spec.n_used }} = 0 and {{ spec.empty_reason }} is not null then {{ spec.empty_reason }}
        {%- endif %}
        when {{ spec.n_used }} = 0 then 'all ' || {{ s('n_labelled') }} || ' labelled rows have a null ' || {{ column }}{% if by_columns %} || ' (or challenger input)'{% endif %}
        else {{ spec.reason }}
      end
    {%- endset %}
    {%- do cols.column_name.append((m, column)) %}
    {%- do cols.value.append((m, 'case when ' ~ spec.n_used ~ ' > 0 then ' ~ spec.value ~ ' end')) %}
    {%- do cols.n_used.append((m, spec.n_used)) %}
    {%- do cols.reason.append((m, reason)) %}
    {%- do cols.n_excluded.append((m, 'n_labelled - n_s' if input in ['score', 'prob'] else 'n_labelled - n_p')) %}
    {%- do cols.note.append((m, spec.note)) %}
    {%- do cols.facts_extra.append((m, spec.facts)) %}
  {%- endfor %}
  {%- set coverage = arms | selectattr('coverage') | list | length > 0 %}
  {%- if metrics | length == 0 %}
  select {{ k }}mm_arm, segment_column, segment_value, 'label_coverage' as metric, {{ ml_monitor.null_string() }} as column_name,
    {{ ml_monitor.null_double() }} as value, 0 as n_used,
    case when n_rows = 0 then 'no eligible predictions' || {{ p.window_text_sql }} end as reason,
    n_rows, n_labelled, n_dup, 0 as n_excluded, '' as note, '' as facts_extra
  from mm_metrics
  {%- if not coverage %}
  where 1 = 0
  {%- endif %}
  {%- else %}
  {%- set by_metric = ml_monitor._perf_by_metric %}
  select
    {{ k }}mm_arm, segment_column, segment_value,
    mm_m.metric,
    {{ by_metric(cols.column_name) }} as column_name,
    {{ by_metric(cols.value) }} as value,
    {{ by_metric(cols.n_used) }} as n_used,
    case
      {%- if p.mode == 'reference' %}
      when n_rows = 0 and mm_arm = 'b' then 'no eligible predictions' || {{ p.ref_window_text_sql }}
      {%- endif %}
      {%- if p.by_version and p.paired %}
      {#- paired: the arms hold only the keys both versions scored; none of them is not "no predictions" #}
      when n_rows = 0 then {{ ml_monitor.string_literal('no eligible prediction whose key both ' ~ p.champion_version ~ ' and '
        ~ p.challenger_version ~ ' scored (paired: true compares the versions on the same keys; paired: false compares each on its own rows)') }}
        || {{ p.window_text_sql }}
      {%- endif %}
      when n_rows = 0 then 'no eligible predictions' || {{ p.window_text_sql }}
      when n_labelled = 0 then 'no labelled rows: none of the ' || {{ s('n_rows') }} || ' eligible predictions has a label'
      else {{ by_metric(cols.reason) }}
    end as reason,
    n_rows, n_labelled, n_dup,
    {{ by_metric(cols.n_excluded) }} as n_excluded,
    {{ by_metric(cols.note) }} as note,
    {{ by_metric(cols.facts_extra) }} as facts_extra
  from mm_metrics
  cross join {{ ml_monitor.literal_rows(ml_monitor._perf_metric_rows(metrics + (['label_coverage'] if coverage else [])), ['metric'], 'mm_m') }}
  {%- endif %}
),

{%- endmacro %}

{#- The names of mm_agg's own aggregates (_perf_scan.sql); the families add theirs (agg_names). -#}
{% macro _perf_base_agg_names(p) -%}
  {{ return(['n_rows', 'n_labelled', 'n_dup', 'n_p', 'n_s']
            + (['n_pos_s', 'n_nonfinite', 'n_outside', 's_min', 's_max'] if p.need_score else [])) }}
{%- endmacro %}

{#- mm_metrics' columns for aggregates of mm_agg named `names`, as read from it (alias g): ', g.a, g.b'. -#}
{% macro _perf_agg_columns(names) -%}
  {%- set columns = [] -%}
  {%- for n in names -%}{%- do columns.append('g.' ~ n) -%}{%- endfor -%}
  {{ return((',\n    ' ~ (columns | join(', '))) if columns else '') }}
{%- endmacro %}

{#- The metric rows of mm_values: one literal row per metric name. -#}
{% macro _perf_metric_rows(metrics) -%}
  {%- set rows = [] -%}
  {%- for m in metrics -%}{%- do rows.append([ml_monitor.string_literal(m)]) -%}{%- endfor -%}
  {{ return(rows) }}
{%- endmacro %}

{#- One column of mm_values: `pairs` [(metric, SQL)] -> the SQL of the row's metric (mm_m.metric);
    one metric: its SQL alone. -#}
{% macro _perf_by_metric(pairs) -%}
  {%- if pairs | length == 1 -%}{{ return(pairs[0][1]) }}{%- endif -%}
  {%- set out -%}
    case mm_m.metric
      {%- for m, sql in pairs %}
      when {{ ml_monitor.string_literal(m) }} then {{ sql }}
      {%- endfor %}
    end
  {%- endset -%}
  {{ return(out) }}
{%- endmacro %}
