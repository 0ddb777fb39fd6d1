{#- The metric builders behind performance / calibration: which input each metric needs,
    which direction is better, and the SQL of its value and of its "undefined" reason from
    the aggregated columns of one (arm, segment) row of mm_metrics.

    Aggregated columns available (see performance.sql, mm_agg):
      n_rows (eligible predictions), n_labelled, n_dup, n_p / n_s (labelled rows with a
      non-null prediction / score), tp, fp, fn, n_correct, n_pos_s, n_nonfinite, n_outside,
      s_min, s_max, ll_sum, bs_sum, ae_sum, se_sum, ape_sum, n_nonzero, sst, auc_u, ap_sum,
      ece_sum, ece_n, ece_worst. -#}

{% macro _perf_metric_registry() -%}
  {{ return({
    'accuracy':  {'kind': 'classification', 'input': 'pred',  'higher': true},
    'precision': {'kind': 'classification', 'input': 'pred',  'higher': true},
    'recall':    {'kind': 'classification', 'input': 'pred',  'higher': true},
    'f1':        {'kind': 'classification', 'input': 'pred',  'higher': true},
    'roc_auc':   {'kind': 'classification', 'input': 'score', 'higher': true},
    'pr_auc':    {'kind': 'classification', 'input': 'score', 'higher': true},
    'log_loss':  {'kind': 'classification', 'input': 'prob',  'higher': false},
    'brier':     {'kind': 'classification', 'input': 'prob',  'higher': false},
    'ece':       {'kind': 'classification', 'input': 'prob',  'higher': false},
    'mae':       {'kind': 'regression',     'input': 'pred',  'higher': false},
    'rmse':      {'kind': 'regression',     'input': 'pred',  'higher': false},
    'mape':      {'kind': 'regression',     'input': 'pred',  'higher': false},
    'r2':        {'kind': 'regression',     'input': 'pred',  'higher': true},
  }) }}
{%- endmacro %}

{#- Probabilities are clipped to [eps, 1 - eps] before the logarithm, eps = float64 machine
    epsilon (2**-52), exactly as scikit-learn >= 1.5 does in log_loss. -#}
{% macro _perf_log_loss_eps() %}{{ return('2.220446049250313e-16') }}{% endmacro %}

{% macro _perf_d(expr) %}{{ return(ml_monitor.to_double(expr)) }}{% endmacro %}
{% macro _perf_s(expr) %}{{ return(ml_monitor.to_string(expr)) }}{% endmacro %}

{#- {value, n_used, reason, note} SQL for one metric. `reason` is evaluated only when value
    is null and n_used > 0; `input_col` names the input column for texts. -#}
{% macro _perf_metric_sql(metric) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set probs_bad = "case when n_nonfinite > 0 then " ~ s('n_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are NaN or infinite: " ~ metric ~ " undefined' "
        ~ "when n_outside > 0 then " ~ s('n_outside') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are outside [0, 1] (min ' || "
        ~ ml_monitor._fmt('s_min') ~ " || ', max ' || " ~ ml_monitor._fmt('s_max') ~ " || '): " ~ metric ~ " needs probabilities' end" -%}
  {%- set out = {} -%}
  {%- if metric == 'accuracy' -%}
    {%- do out.update({'n_used': 'n_p', 'value': d('n_correct') ~ ' / ' ~ d('n_p'), 'reason': "null"}) -%}
  {%- elif metric == 'precision' -%}
    {%- do out.update({'n_used': 'n_p',
        'value': 'case when tp + fp > 0 then ' ~ d('tp') ~ ' / ' ~ d('tp + fp') ~ ' end',
        'reason': "'no predicted positives among ' || " ~ s('n_p') ~ " || ' labelled rows: precision undefined'"}) -%}
  {%- elif metric == 'recall' -%}
    {%- do out.update({'n_used': 'n_p',
        'value': 'case when tp + fn > 0 then ' ~ d('tp') ~ ' / ' ~ d('tp + fn') ~ ' end',
        'reason': "'no positive labels among ' || " ~ s('n_p') ~ " || ' labelled rows: recall undefined'"}) -%}
  {%- elif metric == 'f1' -%}
    {%- do out.update({'n_used': 'n_p',
        'value': 'case when 2 * tp + fp + fn > 0 then ' ~ d('2 * tp') ~ ' / ' ~ d('2 * tp + fp + fn') ~ ' end',
        'reason': "'no positive labels and no predicted positives among ' || " ~ s('n_p') ~ " || ' labelled rows: f1 undefined'"}) -%}
  {%- elif metric == 'roc_auc' -%}
    {%- do out.update({'n_used': 'n_s',
        'value': 'case when n_nonfinite = 0 and n_pos_s > 0 and n_pos_s < n_s then auc_u / (' ~ d('n_pos_s') ~ ' * ' ~ d('n_s - n_pos_s') ~ ') end',
        'reason': "case when n_nonfinite > 0 then " ~ s('n_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are NaN or infinite: roc_auc undefined' "
                  ~ "else 'only one class among ' || " ~ s('n_s') ~ " || ' labelled rows (' || " ~ s('n_pos_s') ~ " || ' positive): roc_auc undefined' end"}) -%}
  {%- elif metric == 'pr_auc' -%}
    {%- do out.update({'n_used': 'n_s',
        'value': 'case when n_nonfinite = 0 and n_pos_s > 0 then ap_sum / ' ~ d('n_pos_s') ~ ' end',
        'reason': "case when n_nonfinite > 0 then " ~ s('n_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are NaN or infinite: pr_auc undefined' "
                  ~ "else 'no positive labels among ' || " ~ s('n_s') ~ " || ' labelled rows: pr_auc undefined' end"}) -%}
  {%- elif metric == 'log_loss' -%}
    {%- do out.update({'n_used': 'n_s', 'value': 'case when n_outside = 0 then ll_sum / ' ~ d('n_s') ~ ' end', 'reason': probs_bad}) -%}
  {%- elif metric == 'brier' -%}
    {%- do out.update({'n_used': 'n_s', 'value': 'case when n_outside = 0 then bs_sum / ' ~ d('n_s') ~ ' end', 'reason': probs_bad}) -%}
  {%- elif metric == 'ece' -%}
    {%- do out.update({'n_used': 'n_s', 'value': 'case when n_outside = 0 then ece_sum / ' ~ d('ece_n') ~ ' end', 'reason': probs_bad,
        'note': "case when ece_worst is not null then '; ' || ece_worst else '' end"}) -%}
  {%- elif metric == 'mae' -%}
    {%- do out.update({'n_used': 'n_p', 'value': 'ae_sum / ' ~ d('n_p'), 'reason': "null"}) -%}
  {%- elif metric == 'rmse' -%}
    {%- do out.update({'n_used': 'n_p', 'value': 'sqrt(se_sum / ' ~ d('n_p') ~ ')', 'reason': "null"}) -%}
  {%- elif metric == 'mape' -%}
    {%- do out.update({'n_used': 'n_nonzero', 'value': 'ape_sum / ' ~ d('n_nonzero'), 'reason': "null",
        'empty_reason': "case when n_p > 0 then 'all ' || " ~ s('n_p') ~ " || ' labelled targets are zero: mape undefined' end",
        'note': "case when n_p > n_nonzero then '; ' || " ~ s('n_p - n_nonzero') ~ " || ' rows with a zero target excluded' else '' end"}) -%}
  {%- elif metric == 'r2' -%}
    {%- do out.update({'n_used': 'n_p', 'value': 'case when y_max > y_min and sst > 0 then 1 - se_sum / sst end',
        'reason': "'constant target over ' || " ~ s('n_p') ~ " || ' labelled rows: r2 undefined'"}) -%}
  {%- endif -%}
  {%- if 'note' not in out -%}{%- do out.update({'note': "''"}) -%}{%- endif -%}
  {%- if 'empty_reason' not in out -%}{%- do out.update({'empty_reason': 'null'}) -%}{%- endif -%}
  {{ return(out) }}
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
