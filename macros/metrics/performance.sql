{#- Model performance on labelled predictions, overall and per segment, with late labels.

    {{ ml_monitor.performance(ref('predictions'), metric='roc_auc',
         labels=ref('labels'), join_key='id', label_column='label', label_timestamp_column='label_ts',
         timestamp_column='prediction_ts', label_delay={'period': 'day', 'count': 7},
         window={'period': 'day', 'count': 14}, score_column='score', segment_by=['region'],
         min_value=0.75) }}

    Observation rows: one per (arm, segment, metric), plus a `label_coverage` row per segment.
    Arms: 'a' is the evaluated model (or the champion); 'b' is the reference window (max_drop)
    or the challenger (challenger_* / model_version_column). See docs/readme/performance.md. -#}
{% macro performance(relation, metric=none, labels=none, join_key=none, label_column=none,
                     score_column=none, prediction_column=none, positive_label=1, decision_threshold=none,
                     label_timestamp_column=none, label_join_key=none, timestamp_column=none, label_delay=none,
                     window=none, where=none, segment_by=none, min_rows=none,
                     min_value=none, max_value=none, max_drop=none,
                     reference=none, reference_where=none, reference_window=none,
                     challenger_score_column=none, challenger_prediction_column=none,
                     model_version_column=none, champion_version=none, challenger_version=none, paired=true,
                     challenger_margin=none, min_coverage=none, bins=10, column_name=none,
                     windows=none, fail_on=none, series_window=none, test='performance') -%}
  {#- windows: N -> one evaluation per window of the series (see performance_windows.sql) -#}
  {%- if series_window is none and windows is not none -%}
    {%- set series = ml_monitor._check_windows(test, relation, windows, fail_on, window, timestamp_column) -%}
    {%- if series.windows > 1 -%}
      {{ return(ml_monitor._performance_series(relation, series, {
          'metric': metric, 'labels': labels, 'join_key': join_key, 'label_column': label_column,
          'score_column': score_column, 'prediction_column': prediction_column, 'positive_label': positive_label,
          'decision_threshold': decision_threshold, 'label_timestamp_column': label_timestamp_column,
          'label_join_key': label_join_key, 'timestamp_column': timestamp_column, 'label_delay': label_delay,
          'window': window, 'where': where, 'segment_by': segment_by, 'min_rows': min_rows,
          'min_value': min_value, 'max_value': max_value, 'max_drop': max_drop, 'reference': reference,
          'reference_where': reference_where, 'reference_window': reference_window,
          'challenger_score_column': challenger_score_column, 'challenger_prediction_column': challenger_prediction_column,
          'model_version_column': model_version_column, 'champion_version': champion_version,
          'challenger_version': challenger_version, 'paired': paired, 'challenger_margin': challenger_margin,
          'min_coverage': min_coverage, 'bins': bins, 'column_name': column_name, 'test': test})) }}
    {%- endif -%}
  {%- endif -%}
  {%- set registry = ml_monitor._perf_metric_registry() -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}

  {#- ---- which metrics ---- -#}
  {%- if test == 'label_coverage' -%}
    {%- set metrics = [] -%}
  {%- else -%}
    {%- if metric is none or metric == [] -%}
      {{ ml_monitor._arg_error(test, relation, 'metric', 'is required: one of ' ~ (registry.keys() | list | join(', ')) ~ ' (or a list of them)', 'nothing') }}
    {%- endif -%}
    {%- set metrics = [metric] if metric is string else metric -%}
    {%- if metrics is mapping or metrics is not iterable -%}
      {{ ml_monitor._arg_error(test, relation, 'metric', 'must be a metric name or a list of metric names', metric) }}
    {%- endif -%}
    {%- set metrics = metrics | list -%}
    {%- for m in metrics -%}
      {%- do ml_monitor._check_choice(test, relation, 'metric', m, registry.keys() | list) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set kinds = [] -%}
  {%- for m in metrics -%}{%- if registry[m].kind not in kinds -%}{%- do kinds.append(registry[m].kind) -%}{%- endif -%}{%- endfor -%}
  {%- if kinds | length > 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'metric', 'must not mix classification and regression metrics', metric) }}
  {%- endif -%}
  {%- set kind = kinds[0] if kinds else none -%}
  {%- set need_score = (metrics | select('in', ['roc_auc', 'pr_auc', 'log_loss', 'brier', 'ece']) | list | length) > 0 -%}
  {%- set need_prob = (metrics | select('in', ['log_loss', 'brier', 'ece']) | list | length) > 0 -%}
  {%- set need_rank = (metrics | select('in', ['roc_auc', 'pr_auc']) | list | length) > 0 -%}
  {%- set need_pred = (metrics | select('in', ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse', 'mape', 'r2']) | list | length) > 0 -%}

  {#- ---- columns: a test placed under a column monitors that column ---- -#}
  {%- if column_name is not none -%}
    {%- if need_score and score_column is none -%}{%- set score_column = column_name -%}
    {%- elif need_pred and prediction_column is none and decision_threshold is none -%}{%- set prediction_column = column_name -%}{%- endif -%}
  {%- endif -%}
  {%- for arg, v in [('score_column', score_column), ('prediction_column', prediction_column), ('challenger_score_column', challenger_score_column),
                      ('challenger_prediction_column', challenger_prediction_column), ('model_version_column', model_version_column)] -%}
    {%- if v is not none and (ml_monitor._check_names(test, relation, arg, v) | length) != 1 -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'must be one column name', v) }}
    {%- endif -%}
  {%- endfor -%}
  {%- do ml_monitor._check_number(test, relation, 'decision_threshold', decision_threshold) -%}
  {%- if kind == 'classification' and need_pred -%}
    {%- if prediction_column is none and decision_threshold is none -%}
      {{ ml_monitor._arg_error(test, relation, 'prediction_column', 'or decision_threshold (with score_column) is required for ' ~ (metrics | join(', ')), 'neither') }}
    {%- endif -%}
    {%- if prediction_column is not none and decision_threshold is not none -%}
      {{ ml_monitor._arg_error(test, relation, 'decision_threshold', 'must not be given together with prediction_column (give one of them)', decision_threshold) }}
    {%- endif -%}
    {%- if decision_threshold is not none and score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'score_column', 'is required with decision_threshold', 'nothing') }}
    {%- endif -%}
  {%- endif -%}
  {%- if need_score and score_column is none -%}
    {{ ml_monitor._arg_error(test, relation, 'score_column', 'is required for ' ~ (metrics | join(', ')), 'nothing') }}
  {%- endif -%}
  {%- if kind == 'regression' and prediction_column is none -%}
    {%- if score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'prediction_column', 'is required for regression metrics (the predicted value)', 'nothing') }}
    {%- endif -%}
    {%- set prediction_column = score_column -%}
  {%- endif -%}
  {%- if positive_label is none or positive_label is mapping or (positive_label is iterable and positive_label is not string) -%}
    {{ ml_monitor._arg_error(test, relation, 'positive_label', 'must be a single value (number, string or boolean)', positive_label) }}
  {%- endif -%}
  {%- set pos = ml_monitor._perf_literal(positive_label) -%}

  {#- ---- thresholds ---- -#}
  {%- do ml_monitor._check_number(test, relation, 'min_value', min_value) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_value', max_value) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_coverage', min_coverage, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'bins', bins, required=true, min=1, max=1000, integer=true) -%}
  {%- do ml_monitor._check_bool(test, relation, 'paired', paired) -%}
  {%- set drop = ml_monitor._perf_bound(test, relation, 'max_drop', max_drop) -%}
  {%- set margin = ml_monitor._perf_bound(test, relation, 'challenger_margin', challenger_margin) -%}

  {#- ---- mode: plain, reference (baseline) or champion vs challenger ---- -#}
  {%- set has_ref = reference is not none or reference_where is not none or reference_window is not none -%}
  {%- set by_columns = challenger_score_column is not none or challenger_prediction_column is not none -%}
  {%- set by_version = model_version_column is not none -%}
  {%- if by_columns and by_version -%}
    {{ ml_monitor._arg_error(test, relation, 'model_version_column', 'must not be combined with challenger_score_column / challenger_prediction_column', model_version_column) }}
  {%- endif -%}
  {%- set mode = 'challenger' if (by_columns or by_version) else ('reference' if has_ref else 'plain') -%}
  {%- if mode == 'challenger' and (has_ref or drop is not none) -%}
    {{ ml_monitor._arg_error(test, relation, 'max_drop', 'and reference / reference_where / reference_window cannot be combined with a challenger: use a separate performance test', max_drop) }}
  {%- endif -%}
  {%- if drop is not none and not has_ref -%}
    {{ ml_monitor._arg_error(test, relation, 'max_drop', 'needs a reference: reference_window, reference_where or reference', max_drop) }}
  {%- endif -%}
  {%- if margin is not none and mode != 'challenger' -%}
    {{ ml_monitor._arg_error(test, relation, 'challenger_margin', 'needs challenger_score_column / challenger_prediction_column or model_version_column', challenger_margin) }}
  {%- endif -%}
  {%- if mode == 'challenger' and margin is none -%}{%- set margin = {'kind': 'absolute', 'amount': 0} -%}{%- endif -%}
  {%- if mode == 'challenger' and test == 'label_coverage' -%}
    {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is not an argument of label_coverage', challenger_score_column) }}
  {%- endif -%}
  {%- do ml_monitor._check_relation(test, relation, 'reference', reference) -%}
  {%- if reference_where is not none and reference_where is not string -%}
    {{ ml_monitor._arg_error(test, relation, 'reference_where', 'must be a SQL condition as a string', reference_where) }}
  {%- endif -%}

  {#- ---- rows: scope, label join, windows ---- -#}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, none, none, min_rows) -%}
  {%- set lj = ml_monitor._label_join(test, relation, labels, join_key, label_column, label_join_key,
                                      label_timestamp_column, timestamp_column, label_delay) -%}
  {%- set win = ml_monitor._label_join_window(test, relation, lj, window) -%}
  {%- if series_window is not none -%}
    {#- one window of a windows: N series: its own bounds (they end at or before the cutoff) -#}
    {%- set win = {'conds': [lj.ts_sql ~ ' >= ' ~ series_window.start_sql, lj.ts_sql ~ ' < ' ~ series_window.end_sql],
                   'start': series_window.start, 'end': series_window.end} -%}
  {%- endif -%}
  {%- set cur_filter = ([scope.user_filter] + win.conds) | join(' and ') -%}
  {%- do scope.update({'filter': cur_filter, 'window_start': win.start, 'window_end': win.end,
                       'window_start_sql': ml_monitor.timestamp_literal(win.start),
                       'window_end_sql': ml_monitor.timestamp_literal(win.end)}) -%}
  {%- set ref_relation = reference if reference is not none else relation -%}
  {%- set ref_conds = [] -%}
  {%- if has_ref -%}
    {%- if reference is none -%}
      {%- do ref_conds.append(scope.user_filter) -%}
      {%- if lj.ts_sql is not none -%}{%- do ref_conds.append(lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.cutoff)) -%}{%- endif -%}
    {%- endif -%}
    {%- if reference_where is not none and reference_where | trim != '' -%}{%- do ref_conds.append('(' ~ reference_where ~ ')') -%}{%- endif -%}
    {%- if reference_window is not none -%}
      {%- if win.start is none -%}
        {{ ml_monitor._arg_error(test, relation, 'reference_window', 'needs a window (the reference window is the one just before it)', reference_window) }}
      {%- endif -%}
      {%- set rspec = ml_monitor._check_period(test, relation, 'reference_window', reference_window) -%}
      {%- set rstart = ml_monitor._subtract_period(win.start, rspec.period, rspec.count) -%}
      {%- do ref_conds.append(lj.ts_sql ~ ' >= ' ~ ml_monitor.timestamp_literal(rstart)) -%}
      {%- do ref_conds.append(lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(win.start)) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set ref_filter = (ref_conds | join(' and ')) if ref_conds else '1 = 1' -%}

  {#- ---- arms ---- -#}
  {%- set q = ml_monitor.quote_column -%}
  {%- set arm_a = {'id': 'a', 'side': 'cur', 'filter': none, 'suffix': '',
                   'score': score_column, 'pred': prediction_column, 'coverage': true} -%}
  {%- set arms = [arm_a] -%}
  {%- if mode == 'reference' -%}
    {%- do arms.append({'id': 'b', 'side': 'ref', 'filter': none, 'suffix': '', 'score': score_column, 'pred': prediction_column, 'coverage': false}) -%}
  {%- elif by_columns -%}
    {%- if need_score and challenger_score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is required for ' ~ (metrics | join(', ')), 'nothing') }}
    {%- endif -%}
    {%- if need_pred and decision_threshold is none and challenger_prediction_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_prediction_column', 'is required for ' ~ (metrics | join(', ')), 'nothing') }}
    {%- endif -%}
    {%- if need_pred and decision_threshold is not none and challenger_score_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is required with decision_threshold', 'nothing') }}
    {%- endif -%}
    {%- set cpred = challenger_prediction_column if challenger_prediction_column is not none else (challenger_score_column if kind == 'regression' else none) -%}
    {%- do arms.append({'id': 'b', 'side': 'cur', 'filter': none, 'suffix': '', 'score': challenger_score_column, 'pred': cpred, 'coverage': false}) -%}
  {%- elif by_version -%}
    {%- if champion_version is none or challenger_version is none -%}
      {{ ml_monitor._arg_error(test, relation, 'champion_version', 'and challenger_version are required with model_version_column', [champion_version, challenger_version]) }}
    {%- endif -%}
    {%- set vcol = q(model_version_column) -%}
    {%- set vname = ml_monitor.unquoted(model_version_column) -%}
    {%- do arm_a.update({'filter': vcol ~ ' = ' ~ ml_monitor._perf_literal(champion_version), 'suffix': ' (' ~ vname ~ '=' ~ champion_version ~ ')'}) -%}
    {%- do arms.append({'id': 'b', 'side': 'cur', 'filter': vcol ~ ' = ' ~ ml_monitor._perf_literal(challenger_version),
                        'suffix': ' (' ~ vname ~ '=' ~ challenger_version ~ ')', 'score': score_column, 'pred': prediction_column, 'coverage': true}) -%}
  {%- endif -%}

  {#- per-arm SQL: score, 0/1 (or numeric) prediction, correctness, and "input present" -#}
  {%- for arm in arms -%}
    {%- set sc = d(q(arm.score)) if arm.score is not none else ml_monitor.null_double() -%}
    {%- set in_s = (q(arm.score) ~ ' is not null') if arm.score is not none else '1 = 0' -%}
    {%- if kind == 'classification' and need_pred and decision_threshold is not none -%}
      {%- set pr = 'case when ' ~ in_s ~ ' then case when ' ~ sc ~ ' >= ' ~ ml_monitor.double_literal(decision_threshold) ~ ' then 1 else 0 end end' -%}
      {%- set correct = 'case when mm_has_label = 1 and ' ~ in_s ~ ' then case when (case when ' ~ sc ~ ' >= ' ~ ml_monitor.double_literal(decision_threshold) ~ ' then 1 else 0 end) = (case when mm_label = ' ~ pos ~ ' then 1 else 0 end) then 1 else 0 end end' -%}
      {%- set in_p = in_s -%}
      {%- set pred_name = arm.score -%}
    {%- elif kind == 'classification' and need_pred -%}
      {%- set pr = 'case when ' ~ q(arm.pred) ~ ' is not null then case when ' ~ q(arm.pred) ~ ' = ' ~ pos ~ ' then 1 else 0 end end' -%}
      {%- set correct = 'case when mm_has_label = 1 and ' ~ q(arm.pred) ~ ' is not null then case when mm_label = ' ~ q(arm.pred) ~ ' then 1 else 0 end end' -%}
      {%- set in_p = q(arm.pred) ~ ' is not null' -%}
      {%- set pred_name = arm.pred -%}
    {%- elif kind == 'regression' -%}
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
    {%- do arm.update({'score_sql': sc, 'pred_sql': pr, 'correct_sql': correct, 'in_s': in_s, 'in_p': in_p, 'pred_name': pred_name}) -%}
  {%- endfor -%}
  {%- if by_columns -%}
    {#- the same rows for both models: both inputs must be present -#}
    {%- set both_s = '(' ~ arms[0].in_s ~ ' and ' ~ arms[1].in_s ~ ')' -%}
    {%- set both_p = '(' ~ arms[0].in_p ~ ' and ' ~ arms[1].in_p ~ ')' -%}
    {%- for arm in arms -%}{%- do arm.update({'in_s': both_s, 'in_p': both_p}) -%}{%- endfor -%}
  {%- endif -%}

  {%- set carry = [] -%}
  {%- for c in (scope.segments | map(attribute='sql') | list)
              + ([q(score_column)] if score_column is not none else [])
              + ([q(prediction_column)] if prediction_column is not none else [])
              + ([q(challenger_score_column)] if challenger_score_column is not none else [])
              + ([q(challenger_prediction_column)] if challenger_prediction_column is not none else [])
              + ([q(model_version_column)] if model_version_column is not none else []) -%}
    {%- if c not in carry -%}{%- do carry.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- if kind == 'classification' -%}
    {%- set y_sql = 'case when mm_has_label = 1 then case when mm_label = ' ~ pos ~ ' then 1 else 0 end end' -%}
  {%- elif kind == 'regression' -%}
    {%- set y_sql = 'case when mm_has_label = 1 then ' ~ d('mm_label') ~ ' end' -%}
  {%- else -%}
    {%- set y_sql = ml_monitor.to_bigint('null') -%}
  {%- endif -%}
  {%- set valid_prob = '(mm_score >= 0 and mm_score <= 1)' -%}
  {%- set eps = ml_monitor._perf_log_loss_eps() -%}
  {%- set one_minus_eps = '(1 - ' ~ d(eps) ~ ')' -%}
  {%- set seg_sqls = scope.segments | map(attribute='sql') | list -%}
  {#- (number, segment sql) per grouping set, the overall row first: see _perf_by_grouping -#}
  {%- set seg_groups = [('0', none)] -%}
  {%- for c in seg_sqls -%}{%- do seg_groups.append((loop.index | string, c)) -%}{%- endfor -%}
  {%- set arm_src = 'mm_paired' if (by_version and paired) else 'mm_source' -%}
  {%- set window_text = (' in [' ~ win.start ~ ', ' ~ win.end ~ ')') if win.start is not none else ((' before ' ~ win.end) if win.end is not none else '') -%}

with
{{ ml_monitor._label_join_ctes(lj) }}

-- the eligible predictions (older than label_delay, in the window) with their label, if any
mm_source as (
  {{ ml_monitor._label_join_side(lj, 'cur', relation, cur_filter, carry) }}
  {%- if mode == 'reference' %}
  union all
  {{ ml_monitor._label_join_side(lj, 'ref', ref_relation, ref_filter, carry) }}
  {%- endif %}
),
{%- if by_version and paired %}

-- champion vs challenger on the same rows: keys scored by both versions
mm_paired_keys as (
  select {{ lj['keys'] | map(attribute='p') | join(', ') }}
  from mm_source
  where {{ vcol }} in ({{ ml_monitor._perf_literal(champion_version) }}, {{ ml_monitor._perf_literal(challenger_version) }})
  group by {{ lj['keys'] | map(attribute='p') | join(', ') }}
  having count(distinct {{ vcol }}) = 2
),

mm_paired as (
  select s.*
  from mm_source as s
  inner join mm_paired_keys as k
    on {% for k in lj['keys'] %}s.{{ k.p }} = k.{{ k.p }}{% if not loop.last %} and {% endif %}{% endfor %}
),
{%- endif %}

-- one row per prediction and arm: 0/1 label, score, 0/1 (or numeric) prediction
mm_scored as (
  {%- for arm in arms %}
  select
    {{ ml_monitor.string_literal(arm.id) }} as mm_arm,
    {%- for c in seg_sqls %}
    {{ c }},
    {%- endfor %}
    mm_has_label,
    mm_versions,
    {{ y_sql }} as mm_y,
    {{ arm.score_sql }} as mm_score,
    {{ arm.pred_sql }} as mm_pred,
    {{ arm.correct_sql }} as mm_correct,
    case when mm_has_label = 1 and {{ arm.in_p }} then 1 else 0 end as mm_use_p,
    case when mm_has_label = 1 and {{ arm.in_s }} then 1 else 0 end as mm_use_s
  from {{ arm_src }}
  where mm_side = {{ ml_monitor.string_literal(arm.side) }}{% if arm.filter %} and {{ arm.filter }}{% endif %}
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
{%- set agg_src = 'mm_scored' %}
{%- if 'r2' in metrics %}
{%- set agg_src = 'mm_scored_mean' %}

-- r2 needs sum((y - mean y)^2): the mean of each grouping, as a window, for a stable sum
mm_scored_mean as (
  select
    mm_scored.*,
    avg(case when mm_use_p = 1 then mm_y end) over (partition by mm_arm) as mm_ybar_0
    {%- for c in seg_sqls %},
    avg(case when mm_use_p = 1 then mm_y end) over (partition by mm_arm, {{ c }}) as mm_ybar_{{ loop.index }}
    {%- endfor %}
  from mm_scored
),
{%- endif %}

-- every count and sum of every metric in one scan, overall and per segment
mm_agg as (
  select
    mm_arm,
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows,
    sum(mm_has_label) as n_labelled,
    sum(case when mm_has_label = 1 and mm_versions > 1 then 1 else 0 end) as n_dup,
    sum(mm_use_p) as n_p,
    sum(mm_use_s) as n_s
    {%- if kind == 'classification' and need_pred %},
    sum(case when mm_use_p = 1 and mm_pred = 1 and mm_y = 1 then 1 else 0 end) as tp,
    sum(case when mm_use_p = 1 and mm_pred = 1 and mm_y = 0 then 1 else 0 end) as fp,
    sum(case when mm_use_p = 1 and mm_pred = 0 and mm_y = 1 then 1 else 0 end) as fn,
    sum(case when mm_use_p = 1 then mm_correct else 0 end) as n_correct
    {%- endif %}
    {%- if need_score %},
    sum(case when mm_use_s = 1 and mm_y = 1 then 1 else 0 end) as n_pos_s,
    sum(case when mm_use_s = 1 and {{ ml_monitor.is_non_finite('mm_score') }} then 1 else 0 end) as n_nonfinite,
    sum(case when mm_use_s = 1 and not {{ valid_prob }} then 1 else 0 end) as n_outside,
    min(case when mm_use_s = 1 then mm_score end) as s_min,
    max(case when mm_use_s = 1 then mm_score end) as s_max
    {%- endif %}
    {%- if 'log_loss' in metrics %},
    -- probabilities clipped to [eps, 1 - eps] (eps = 2**-52), as scikit-learn's log_loss
    sum(case when mm_use_s = 1 and {{ valid_prob }} then
      case when mm_y = 1
        then -{{ ml_monitor.ln('case when mm_score < ' ~ d(eps) ~ ' then ' ~ d(eps) ~ ' when mm_score > ' ~ one_minus_eps ~ ' then ' ~ one_minus_eps ~ ' else mm_score end') }}
        else -{{ ml_monitor.ln('case when 1 - mm_score < ' ~ d(eps) ~ ' then ' ~ d(eps) ~ ' when 1 - mm_score > ' ~ one_minus_eps ~ ' then ' ~ one_minus_eps ~ ' else 1 - mm_score end') }}
      end
    end) as ll_sum
    {%- endif %}
    {%- if 'brier' in metrics %},
    sum(case when mm_use_s = 1 and {{ valid_prob }} then (mm_score - mm_y) * (mm_score - mm_y) end) as bs_sum
    {%- endif %}
    {%- if kind == 'regression' %},
    sum(case when mm_use_p = 1 then abs(mm_pred - mm_y) end) as ae_sum,
    sum(case when mm_use_p = 1 then (mm_pred - mm_y) * (mm_pred - mm_y) end) as se_sum,
    sum(case when mm_use_p = 1 and mm_y <> 0 then abs((mm_pred - mm_y) / mm_y) end) as ape_sum,
    sum(case when mm_use_p = 1 and mm_y <> 0 then 1 else 0 end) as n_nonzero
    {%- endif %}
    {%- if 'r2' in metrics %},
    min(case when mm_use_p = 1 then mm_y end) as y_min,
    max(case when mm_use_p = 1 then mm_y end) as y_max,
    {{ ml_monitor._perf_by_grouping(seg_groups, 'sum(case when mm_use_p = 1 then (mm_y - mm_ybar_{i}) * (mm_y - mm_ybar_{i}) end)') }} as sst
    {%- endif %}
  from {{ agg_src }}
  {{ ml_monitor._perf_group_by(scope, 'mm_arm') }}
),
{%- if need_rank %}
{%- set pr = 'pr_auc' in metrics %}

-- exact ROC AUC and average precision from ranks: one sort per (arm[, segment]) and direction.
-- rank() ascending is 1 + the rows scored lower, descending 1 + the rows scored higher, so a
-- row's tie-averaged rank is (asc - desc + N + 1) / 2 and the Mann-Whitney
-- U = sum over positives of that rank - P (P + 1) / 2 (tied pairs count 1/2).
-- Average precision: at a positive's score, rows scored at or above it = N + 1 - asc, and
-- positives at or above it = P + 1 - (its ascending rank among positives).
mm_ranked as (
  select
    mm_arm,
    {%- for c in seg_sqls %}
    {{ c }},
    {%- endfor %}
    mm_y
    {%- for i, c in seg_groups %}
    {#- one arm: no arm key in the partition (a window without a partition is cheaper) -#}
    {%- set keys = (['mm_arm'] if arms | length > 1 else []) + ([c] if c is not none else []) %}
    {%- set part = ('partition by ' ~ (keys | join(', ')) ~ ' ') if keys else '' %},
    rank() over ({{ part }}order by mm_score) as mm_r{{ i }}_asc,
    rank() over ({{ part }}order by mm_score desc) as mm_r{{ i }}_desc
    {%- if pr %},
    rank() over (partition by {{ (keys + ['mm_y']) | join(', ') }} order by mm_score) as mm_q{{ i }}_asc,
    count(*) over ({{ part | trim }}) as mm_n{{ i }},
    sum(mm_y) over ({{ part | trim }}) as mm_p{{ i }}
    {%- endif %}
    {%- endfor %}
  from mm_scored
  where mm_use_s = 1 and not {{ ml_monitor.is_non_finite('mm_score') }}
),

-- rank sums per (arm, segment): each grouping set uses the ranks of its own partition
mm_rank_sums as (
  select
    mm_arm,
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_r,
    sum(mm_y) as p_r,
    {{ ml_monitor._perf_by_grouping(seg_groups, 'sum(case when mm_y = 1 then mm_r{i}_asc - mm_r{i}_desc else 0 end)') }} as rank_diff
    {%- if pr %},
    {{ ml_monitor._perf_by_grouping(seg_groups, 'sum(case when mm_y = 1 then ' ~ d('mm_p{i} + 1 - mm_q{i}_asc') ~ ' / ' ~ d('mm_n{i} + 1 - mm_r{i}_asc') ~ ' else 0 end)') }} as ap_sum
    {%- endif %}
  from mm_ranked
  {{ ml_monitor._perf_group_by(scope, 'mm_arm') }}
),

-- U = (sum of positives' (asc - desc) + P (N + 1)) / 2 - P (P + 1) / 2; AP = ap_sum / P
mm_rank as (
  select
    mm_arm, segment_column, segment_value,
    ({{ d('rank_diff') }} + {{ d('p_r') }} * {{ d('n_r + 1') }} - {{ d('p_r') }} * {{ d('p_r + 1') }}) / 2 as auc_u,
    {{ 'ap_sum' if pr else ml_monitor.null_double() }} as ap_sum
  from mm_rank_sums
),
{%- endif %}
{%- if 'ece' in metrics %}

-- equal-width score bins, right-closed like sklearn.calibration.calibration_curve
mm_binned as (
  select
    mm_scored.*,
    case
      {%- for i in range(1, bins) %}
      when mm_score <= {{ i * (1.0 / bins) }} then {{ i - 1 }}
      {%- endfor %}
      else {{ bins - 1 }}
    end as mm_bin
  from mm_scored
  where mm_use_s = 1 and {{ valid_prob }}
),

mm_bins as (
  select
    mm_arm,
    {{ ml_monitor._segment_keys(scope) }},
    mm_bin,
    count(*) as n_b,
    {{ d('sum(mm_y)') }} as y_b,
    sum(mm_score) as s_b
  from mm_binned
  {{ ml_monitor._perf_group_by(scope, 'mm_arm, mm_bin') }}
),

-- the bin that contributes most to the ECE, for the detail
mm_bins_ranked as (
  select
    mm_bins.*,
    row_number() over (partition by mm_arm, segment_column, segment_value
                       order by abs(y_b - s_b) desc, mm_bin) as mm_worst
  from mm_bins
),

-- ECE = sum over bins of |sum y - sum score| / N  (= sum n_b / N * |mean y - mean score|)
mm_ece as (
  select
    mm_arm, segment_column, segment_value,
    sum(abs(y_b - s_b)) as ece_sum,
    sum(n_b) as ece_n,
    max(case when mm_worst = 1 then
      'worst bin ' || {{ ml_monitor._fmt('mm_bin * ' ~ d('1.0') ~ ' / ' ~ bins, 3) }} || '-' || {{ ml_monitor._fmt('(mm_bin + 1) * ' ~ d('1.0') ~ ' / ' ~ bins, 3) }}
      || ': mean score ' || {{ ml_monitor._fmt('s_b / n_b') }} || ', positive rate ' || {{ ml_monitor._fmt('y_b / n_b') }}
      || ' (' || {{ s('n_b') }} || ' rows)'
    end) as ece_worst
  from mm_bins_ranked
  group by mm_arm, segment_column, segment_value
),
{%- endif %}

-- every (arm, segment) that must be reported: the overall row of each arm exists even when empty
-- (union all + distinct: BigQuery has no bare UNION)
mm_frame as (
  select distinct mm_arm, segment_column, segment_value
  from (
    select mm_arm, segment_column, segment_value from mm_agg
    {%- for arm in arms %}
    union all
    select {{ ml_monitor.string_literal(arm.id) }}, {{ ml_monitor.null_string() }}, {{ ml_monitor.null_string() }}
    {%- endfor %}
  ) as mm_frame_rows
),

mm_metrics as (
  select
    f.mm_arm, f.segment_column, f.segment_value,
    coalesce(g.n_rows, 0) as n_rows,
    coalesce(g.n_labelled, 0) as n_labelled,
    coalesce(g.n_dup, 0) as n_dup,
    coalesce(g.n_p, 0) as n_p,
    coalesce(g.n_s, 0) as n_s
    {%- if kind == 'classification' and need_pred %},
    g.tp, g.fp, g.fn, g.n_correct
    {%- endif %}
    {%- if need_score %},
    g.n_pos_s, g.n_nonfinite, g.n_outside, g.s_min, g.s_max
    {%- endif %}
    {%- if 'log_loss' in metrics %}, g.ll_sum{% endif %}
    {%- if 'brier' in metrics %}, g.bs_sum{% endif %}
    {%- if kind == 'regression' %}, g.ae_sum, g.se_sum, g.ape_sum, coalesce(g.n_nonzero, 0) as n_nonzero{% endif %}
    {%- if 'r2' in metrics %}, g.sst, g.y_min, g.y_max{% endif %}
    {%- if need_rank %}, r.auc_u, r.ap_sum{% endif %}
    {%- if 'ece' in metrics %}, e.ece_sum, e.ece_n, e.ece_worst{% endif %}
  from mm_frame as f
  left join mm_agg as g on f.mm_arm = g.mm_arm and {{ ml_monitor._perf_seg_match('f', 'g') }}
  {%- if need_rank %}
  left join mm_rank as r on f.mm_arm = r.mm_arm and {{ ml_monitor._perf_seg_match('f', 'r') }}
  {%- endif %}
  {%- if 'ece' in metrics %}
  left join mm_ece as e on f.mm_arm = e.mm_arm and {{ ml_monitor._perf_seg_match('f', 'e') }}
  {%- endif %}
),

-- one row per (arm, segment, metric): value, rows used, why it is undefined
mm_values as (
  {%- set branches = [] %}
  {%- for m in metrics %}
    {%- set spec = ml_monitor._perf_metric_sql(m) %}
    {%- set input = registry[m].input %}
    {%- set excluded = 'n_labelled - n_s' if input in ['score', 'prob'] else 'n_labelled - n_p' %}
    {%- set branch %}
  select
    mm_arm, segment_column, segment_value,
    {{ ml_monitor.string_literal(m) }} as metric,
    case {% for arm in arms %}when mm_arm = {{ ml_monitor.string_literal(arm.id) }} then {{ ml_monitor.string_literal(ml_monitor.unquoted((arm.score if input in ['score', 'prob'] else arm.pred_name)) ~ arm.suffix) }} {% endfor %}end as column_name,
    case when {{ spec.n_used }} > 0 then {{ spec.value }} end as value,
    {{ spec.n_used }} as n_used,
    case
      when n_rows = 0 then 'no eligible predictions{{ window_text }}'
      when n_labelled = 0 then 'no labelled rows: none of the ' || {{ s('n_rows') }} || ' eligible predictions has a label'
      {%- if spec.empty_reason != 'null' %}
      when {{ spec.n_used }} = 0 and {{ spec.empty_reason }} is not null then {{ spec.empty_reason }}
      {%- endif %}
      when {{ spec.n_used }} = 0 then 'all ' || {{ s('n_labelled') }} || ' labelled rows have a null ' || case {% for arm in arms %}when mm_arm = {{ ml_monitor.string_literal(arm.id) }} then {{ ml_monitor.string_literal(ml_monitor.unquoted((arm.score if input in ['score', 'prob'] else arm.pred_name)) ~ arm.suffix) }} {% endfor %}end{% if by_columns %} || ' (or challenger input)'{% endif %}
      else {{ spec.reason }}
    end as reason,
    n_rows, n_labelled, n_dup,
    {{ excluded }} as n_excluded,
    {{ spec.note }} as note
  from mm_metrics
    {%- endset %}
    {%- do branches.append(branch) %}
  {%- endfor %}
  {%- if branches | length == 0 %}
  select mm_arm, segment_column, segment_value, {{ ml_monitor.null_string() }} as metric, {{ ml_monitor.null_string() }} as column_name,
    {{ ml_monitor.null_double() }} as value, 0 as n_used, {{ ml_monitor.null_string() }} as reason,
    n_rows, n_labelled, n_dup, 0 as n_excluded, '' as note
  from mm_metrics where 1 = 0
  {%- else %}
  {{ branches | join('\n  union all') }}
  {%- endif %}
),

-- observation rows: the model (or champion) against thresholds and the reference, the challenger
-- against the champion, and the label coverage of each evaluated row set
long as (
  {%- set parts = [] %}
  {%- for m in metrics %}
    {%- set hib = registry[m].higher %}
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
      {%- set part %}
  select
    v.column_name,
    v.segment_column,
    v.segment_value,
    v.metric,
    case
      when v.value is null then null
      {%- if check_base %}
      when o.value is null then null
      when o.n_used < {{ scope.min_rows }} then null
      {%- endif %}
      else v.value
    end as value,
    {{ thr }} as threshold,
    {{ base if base is not none else ml_monitor.null_double() }} as baseline_value,
    v.n_used as sample_size,
    {{ (fails | join(' or ')) if fails else 'false' }} as is_fail,
    {{ ml_monitor.string_literal(m) }} || ' ' || {{ ml_monitor._fmt('v.value') }} || ' on ' || {{ s('v.n_used') }} || ' labelled rows'
      || '; label coverage ' || {{ ml_monitor._fmt('100.0 * v.n_labelled / nullif(v.n_rows, 0)', 1) }} || '% (' || {{ s('v.n_labelled') }} || ' of ' || {{ s('v.n_rows') }} || ' eligible predictions)'
      || case when v.n_excluded > 0 then '; ' || {{ s('v.n_excluded') }} || ' labelled rows with a null input excluded' else '' end
      || case when v.n_dup > 0 then '; ' || {{ s('v.n_dup') }} || ' labels picked among duplicates (' || {{ ml_monitor.string_literal(lj.dedup_rule) }} || ')' else '' end
      || v.note
      {%- if base is not none %}
      || case when o.value is not null then '; {{ base_word }} ' || {{ ml_monitor._fmt('o.value') }} || ' on ' || {{ s('o.n_used') }} || ' rows' else '' end
      {%- endif %}
      {%- for t in texts %}
      || {{ t }}
      {%- endfor %} as detail,
    case
      when v.value is null then v.reason
      {%- if check_base %}
      when o.value is null then '{{ base_word }} ' || v.metric || ' undefined (' || coalesce(o.reason, 'no {{ base_word }} rows for this segment') || '); current value ' || {{ ml_monitor._fmt('v.value') }}
      when o.n_used < {{ scope.min_rows }} then '{{ base_word }} has only ' || {{ s('o.n_used') }} || ' rows, below min_rows {{ scope.min_rows }}; current value ' || {{ ml_monitor._fmt('v.value') }}
      {%- endif %}
    end as undefined_reason
  from mm_values as v
  {%- if mode != 'plain' %}
  left join mm_values as o
    on o.mm_arm = {{ ml_monitor.string_literal('a' if row_arm == 'b' else 'b') }} and o.metric = v.metric and {{ ml_monitor._perf_seg_match('o', 'v') }}
  {%- endif %}
  where v.mm_arm = {{ ml_monitor.string_literal(row_arm) }} and v.metric = {{ ml_monitor.string_literal(m) }}
      {%- endset %}
      {%- do parts.append(part) %}
    {%- endfor %}
  {%- endfor %}
  {%- for arm in arms if arm.coverage %}
    {%- set part %}
  select
    {{ ml_monitor.string_literal(lj.label_name ~ arm.suffix) }} as column_name,
    segment_column,
    segment_value,
    'label_coverage' as metric,
    {{ ml_monitor.safe_divide('n_labelled', 'n_rows') }} as value,
    {{ ml_monitor.double_literal(min_coverage) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    n_rows as sample_size,
    {% if min_coverage is not none %}{{ ml_monitor.safe_divide('n_labelled', 'n_rows') }} < {{ ml_monitor.double_literal(min_coverage) }}{% else %}false{% endif %} as is_fail,
    {{ s('n_labelled') }} || ' of ' || {{ s('n_rows') }} || ' eligible predictions'
      || '{{ (" older than " ~ lj.delay.count ~ " " ~ lj.delay.period ~ ("s" if lj.delay.count != 1 else "")) if lj.delay else "" }}'
      || ' have a label (' || {{ ml_monitor._fmt('100.0 * n_labelled / nullif(n_rows, 0)', 1) }} || '%)'
      || case when n_dup > 0 then '; ' || {{ s('n_dup') }} || ' labels picked among duplicates (' || {{ ml_monitor.string_literal(lj.dedup_rule) }} || ')' else '' end
      {%- if min_coverage is not none %}
      || case when {{ ml_monitor.safe_divide('n_labelled', 'n_rows') }} < {{ ml_monitor.double_literal(min_coverage) }} then '; below min_coverage {{ min_coverage }}' else '' end
      {%- endif %} as detail,
    case when n_rows = 0 then 'no eligible predictions{{ window_text }}' end as undefined_reason
  from mm_metrics
  where mm_arm = {{ ml_monitor.string_literal(arm.id) }}
    {%- endset %}
    {%- do parts.append(part) %}
  {%- endfor %}
  {{ parts | join('\n  union all') }}
),

observations as (
  {{ ml_monitor._finalize_observations(test, 'long', scope) }}
)

-- rows with no usable labelled row say why (no labels, all inputs null, ...)
select
  obs.monitor, obs.column_name, obs.segment_column, obs.segment_value, obs.metric, obs.value,
  obs.threshold, obs.baseline_value, obs.sample_size, obs.window_start, obs.window_end, obs.status,
  {{ ml_monitor.to_string('case when obs.sample_size = 0 and l.undefined_reason is not null then l.undefined_reason else obs.detail end') }} as detail,
  obs.is_deciding
from observations as obs
left join long as l
  on {{ ml_monitor.null_safe_equal('obs.column_name', 'l.column_name') }}
  and {{ ml_monitor.null_safe_equal('obs.metric', 'l.metric') }}
  and {{ ml_monitor._perf_seg_match('obs', 'l') }}
{%- endmacro %}
