{#- The arms of a performance evaluation: the row sets whose metrics are computed side by side.
    'a' is the evaluated model (or the champion); 'b' is the reference window (mode reference),
    the challenger's columns (challenger_*) or the challenger version (model_version_column).
    Each arm: id, side (cur / ref rows of the label join), filter (extra SQL condition or none),
    suffix (added to column names in the rows), score / pred (input columns), coverage (whether a
    label_coverage row is reported for it), and the per-row SQL: score_sql, pred_sql (0/1 or
    numeric prediction), correct_sql, in_s / in_p (input present), pred_name, extra (more
    "expression as name" columns of mm_scored: the multiclass scores). -#}
{% macro _perf_arms(p) -%}
  {%- set test = p.test -%}
  {%- set relation = p.relation -%}
  {%- set metrics = p.metrics -%}
  {%- set q = ml_monitor.quote_column -%}
  {%- set arm_a = {'id': 'a', 'side': 'cur', 'filter': none, 'suffix': '',
                   'score': p.score_column, 'pred': p.prediction_column, 'coverage': true} -%}
  {%- set arms = [arm_a] -%}
  {%- if p.mode == 'reference' -%}
    {%- do arms.append({'id': 'b', 'side': 'ref', 'filter': none, 'suffix': '', 'score': p.score_column, 'pred': p.prediction_column, 'coverage': false}) -%}
  {%- elif p.by_columns -%}
    {%- if p.need_score and p.challenger_score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is required for ' ~ (metrics | join(', ')), 'nothing') }}
    {%- endif -%}
    {%- if p.need_pred and p.decision_threshold is none and p.challenger_prediction_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_prediction_column', 'is required for ' ~ (metrics | join(', ')), 'nothing') }}
    {%- endif -%}
    {%- if p.need_pred and p.decision_threshold is not none and p.challenger_score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is required with decision_threshold', 'nothing') }}
    {%- endif -%}
    {%- set cpred = p.challenger_prediction_column if p.challenger_prediction_column is not none else (p.challenger_score_column if p.kind == 'regression' else none) -%}
    {%- do arms.append({'id': 'b', 'side': 'cur', 'filter': none, 'suffix': '', 'score': p.challenger_score_column, 'pred': cpred, 'coverage': false}) -%}
  {%- elif p.by_version -%}
    {%- if p.champion_version is none or p.challenger_version is none -%}
      {{ ml_monitor._arg_error(test, relation, 'champion_version', 'and challenger_version are required with model_version_column', [p.champion_version, p.challenger_version]) }}
    {%- endif -%}
    {%- set vcol = q(p.model_version_column) -%}
    {%- set vname = ml_monitor.unquoted(p.model_version_column) -%}
    {%- do arm_a.update({'filter': vcol ~ ' = ' ~ ml_monitor._perf_literal(p.champion_version), 'suffix': ' (' ~ vname ~ '=' ~ p.champion_version ~ ')'}) -%}
    {%- do arms.append({'id': 'b', 'side': 'cur', 'filter': vcol ~ ' = ' ~ ml_monitor._perf_literal(p.challenger_version),
                        'suffix': ' (' ~ vname ~ '=' ~ p.challenger_version ~ ')', 'score': p.score_column, 'pred': p.prediction_column, 'coverage': true}) -%}
  {%- endif -%}

  {%- for arm in arms -%}
    {%- do arm.update(ml_monitor._perf_arm_sql(p, arm)) -%}
  {%- endfor -%}
  {%- if p.by_columns -%}
    {#- the same rows for both models: both inputs must be present -#}
    {%- set both_s = '(' ~ arms[0].in_s ~ ' and ' ~ arms[1].in_s ~ ')' -%}
    {%- set both_p = '(' ~ arms[0].in_p ~ ' and ' ~ arms[1].in_p ~ ')' -%}
    {%- for arm in arms -%}{%- do arm.update({'in_s': both_s, 'in_p': both_p}) -%}{%- endfor -%}
  {%- endif -%}
  {{ return(arms) }}
{%- endmacro %}

{#- Per-arm SQL: score, 0/1 (or numeric) prediction, correctness, and "input present". -#}
{% macro _perf_arm_sql(p, arm) -%}
  {%- set q = ml_monitor.quote_column -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set pos = p.pos -%}
  {%- set sc = d(q(arm.score)) if arm.score is not none else ml_monitor.null_double() -%}
  {%- set in_s = (q(arm.score) ~ ' is not null') if arm.score is not none else '1 = 0' -%}
  {%- if p.kind == 'classification' and p.need_pred and p.decision_threshold is not none -%}
    {%- set thr = ml_monitor.double_literal(p.decision_threshold) -%}
    {%- set pr = 'case when ' ~ in_s ~ ' then case when ' ~ sc ~ ' >= ' ~ thr ~ ' then 1 else 0 end end' -%}
    {%- set correct = 'case when mm_has_label = 1 and ' ~ in_s ~ ' then case when (case when ' ~ sc ~ ' >= ' ~ thr ~ ' then 1 else 0 end) = (case when mm_label = ' ~ pos ~ ' then 1 else 0 end) then 1 else 0 end end' -%}
    {%- set in_p = in_s -%}
    {%- set pred_name = arm.score -%}
  {%- elif p.kind == 'classification' and p.need_pred -%}
    {%- set pr = 'case when ' ~ q(arm.pred) ~ ' is not null then case when ' ~ q(arm.pred) ~ ' = ' ~ pos ~ ' then 1 else 0 end end' -%}
    {%- set correct = 'case when mm_has_label = 1 and ' ~ q(arm.pred) ~ ' is not null then case when mm_label = ' ~ q(arm.pred) ~ ' then 1 else 0 end end' -%}
    {%- set in_p = q(arm.pred) ~ ' is not null' -%}
    {%- set pred_name = arm.pred -%}
  {%- elif p.kind == 'multiclass' -%}
    {{ return(ml_monitor._perf_multiclass_arm_sql(p, arm)) }}
  {%- elif p.kind == 'regression' -%}
    {%- set pr = d(q(arm.pred)) -%}
    {%- set correct = ml_monitor.to_bigint('null') -%}
    {%- set in_p = q(arm.pred) ~ ' is not null' -%}
    {%- set pred_name = arm.pred -%}
  {%- else -%}
    {%- set pr = ml_monitor.to_bigint('null') -%}
    {%- set correct = ml_monitor.to_bigint('null') -%}
    {%- set in_p = '1 = 0' -%}
    {%- set pred_name = none -%}
  {%- endif -%}
  {{ return({'score_sql': sc, 'pred_sql': pr, 'correct_sql': correct, 'in_s': in_s, 'in_p': in_p, 'pred_name': pred_name, 'extra': []}) }}
{%- endmacro %}
