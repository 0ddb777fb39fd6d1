{#- Small helpers shared by the performance builders. -#}

{% macro _perf_d(expr) %}{{ return(ml_monitor.to_double(expr)) }}{% endmacro %}
{% macro _perf_s(expr) %}{{ return(ml_monitor.to_string(expr)) }}{% endmacro %}

{#- A datetime as text for facts (UTC, seconds), none stays none. -#}
{% macro _perf_ts_text(dt) %}{{ return(dt.strftime('%Y-%m-%d %H:%M:%S') if dt is not none else none) }}{% endmacro %}

{#- A score usable as a probability. -#}
{% macro _perf_valid_prob() %}{{ return('(mm_score >= 0 and mm_score <= 1)') }}{% endmacro %}

{#- The 0-based equal-width bin of a score in [0, 1]: right-closed (k/bins, (k+1)/bins], the first
    one including 0, like sklearn's calibration_curve. bins: 1 is the one bin 0 (a CASE with no
    WHEN is no SQL). Shared by the ECE and reliability_table. -#}
{% macro _perf_score_bin(score, bins) -%}
  {%- if bins == 1 -%}{{ return('0') }}{%- endif -%}
  case
    {%- for i in range(1, bins) %}
    when {{ score }} <= {{ i * (1.0 / bins) }} then {{ i - 1 }}
    {%- endfor %}
    else {{ bins - 1 }}
  end
{%- endmacro %}

{#- {absolute: x} or {relative: x} -> {'kind', 'amount'}; none stays none. -#}
{% macro _perf_bound(test, relation, arg, spec) -%}
  {%- if spec is none -%}{{ return(none) }}{%- endif -%}
  {%- if spec is not mapping or (spec | length) != 1 or (spec.keys() | list)[0] not in ['absolute', 'relative'] -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be a mapping with one key, absolute or relative, like {absolute: 0.05} or {relative: 0.1}", spec) }}
  {%- endif -%}
  {%- set kind = (spec.keys() | list)[0] -%}
  {%- do ml_monitor._check_number(test, relation, arg ~ '.' ~ kind, spec[kind], required=true, min=0) -%}
  {{ return({'kind': kind, 'amount': spec[kind]}) }}
{%- endmacro %}

{#- The bound below (higher-is-better) or above (lower-is-better) which `base` is left by
    more than the allowed drop. -#}
{% macro _perf_bound_sql(bound, base, higher) -%}
  {%- set sign = '-' if higher else '+' -%}
  {%- if bound.kind == 'absolute' -%}
    {{ return('(' ~ base ~ ' ' ~ sign ~ ' ' ~ ml_monitor.double_literal(bound.amount) ~ ')') }}
  {%- else -%}
    {{ return('(' ~ base ~ ' ' ~ sign ~ ' ' ~ ml_monitor.double_literal(bound.amount) ~ ' * abs(' ~ base ~ '))') }}
  {%- endif -%}
{%- endmacro %}

{#- A literal for a label / version value given in YAML. -#}
{% macro _perf_literal(value) -%}
  {%- if value is boolean -%}{{ return('true' if value else 'false') }}
  {%- elif value is number -%}{{ return(value | string) }}
  {%- else -%}{{ return(ml_monitor.string_literal(value)) }}{%- endif -%}
{%- endmacro %}

{#- group by grouping sets ((base), (base, s1), ...): the overall row and each segment. -#}
{% macro _perf_group_by(scope, base) -%}
  {%- if scope.segments | length > 0 -%}
    group by grouping sets (({{ base }}){% for s in scope.segments %}, ({{ base }}, {{ s.sql }}){% endfor %})
  {%- else -%}
    group by {{ base }}
  {%- endif -%}
{%- endmacro %}

{% macro _perf_seg_match(a, b) -%}
  {{ ml_monitor.null_safe_equal(a ~ '.segment_column', b ~ '.segment_column') }} and {{ ml_monitor.null_safe_equal(a ~ '.segment_value', b ~ '.segment_value') }}
{%- endmacro %}

{#- An aggregate per grouping set: `template` with {i} = 0 for the overall row and the segment
    column's number for its rows (seg_groups: [(i, segment sql or none)], overall first).
    Without segments, just the overall aggregate (a CASE needs at least one WHEN). -#}
{% macro _perf_by_grouping(seg_groups, template) -%}
  {%- if seg_groups | length == 1 -%}
    {{ template.replace('{i}', seg_groups[0][0]) }}
  {%- else -%}
    case
      {%- for i, c in seg_groups[1:] %}
      when grouping({{ c }}) = 0 then {{ template.replace('{i}', i) }}
      {%- endfor %}
      else {{ template.replace('{i}', seg_groups[0][0]) }}
    end
  {%- endif -%}
{%- endmacro %}

{#- The column a metric's row names: the family's `column` for it (multiclass: the prediction
    column, the class's score column, or every score column), else the arm's score column
    (score and probability metrics) or prediction column; with the arm's suffix. -#}
{% macro _perf_metric_column(spec, arm, input) -%}
  {%- set name = spec.column if spec.column is defined else ml_monitor.unquoted(arm.score if input in ['score', 'prob'] else arm.pred_name) -%}
  {{ return(name ~ arm.suffix) }}
{%- endmacro %}
