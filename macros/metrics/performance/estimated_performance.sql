{#- Estimated performance before labels arrive: NannyML's confidence-based performance
    estimation (CBPE) for binary classification, in SQL.

    {{ ml_monitor.estimated_performance(ref('predictions'), reference=ref('validation_set'),
         label_column='repaid', score_column='y_pred_proba', prediction_column='y_pred',
         metric=['roc_auc', 'f1'], timestamp_column='ts', window={'period': 'month', 'count': 1},
         segment_by=['region'], min_value=0.8) }}

    From the labelled reference (compile time, estimated_performance_fit.sql): whether the
    scores need calibration (NannyML's rule), the isotonic map when they do, the realized
    metrics (baseline_value) and NannyML's sampling-error components. Over the current rows
    (one scan): calibrated probability p per row, the expected confusion matrix
    (TP = sum of p where predicted positive, FP = sum of 1 - p, ...) and the metrics from it;
    ROC AUC as NannyML estimates it (the curve of cumulative p and 1 - p by descending score).
    Band = estimate +/- 3 sampling errors (NannyML: std_ref / sqrt(n * fraction)), in [0, 1].

    Observation rows: one per (segment, metric); `band_rows: true` adds <metric>_lower /
    <metric>_upper rows, `confusion_matrix: true` the estimated_true_positive ... cells. -#}
{% macro estimated_performance(relation, reference=none, label_column=none, score_column=none,
                               prediction_column=none, positive_label=1, metric=none,
                               timestamp_column=none, window=none, where=none, segment_by=none, min_rows=none,
                               reference_where=none, calibration='auto', calibration_map=none,
                               min_value=none, max_drop=none, threshold=none,
                               confusion_matrix=false, band_rows=false, column_name=none,
                               windows=none, fail_on=none, labels=none, join_key=none, label_join_key=none,
                               label_timestamp_column=none, test='estimated_performance') -%}
  {%- set confusion_metrics = ['accuracy', 'precision', 'recall', 'specificity', 'f1'] -%}
  {%- set known = ['roc_auc'] + confusion_metrics -%}
  {%- set metrics = ml_monitor._cbpe_metrics(test, relation, metric, known) -%}
  {%- if column_name is not none and score_column is none -%}{%- set score_column = column_name -%}{%- endif -%}
  {%- set spelt = {} -%}
  {%- for arg, v in [('score_column', score_column), ('prediction_column', prediction_column), ('label_column', label_column)] -%}
    {#- the label is a column of the labelled reference, the rest of the scored relation; each kept
        in its relation's own spelling (_check_names) -#}
    {%- set checked = ml_monitor._check_names(test, relation, arg, v, exists_in=((reference if reference is not none else labels) if arg == 'label_column' else none)) if v is not none else [] -%}
    {%- if v is not none and (checked | length) != 1 -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'must be one column name', v) }}
    {%- endif -%}
    {%- do spelt.update({arg: checked[0] if checked else none}) -%}
  {%- endfor -%}
  {%- set score_column = spelt.score_column -%}
  {%- set prediction_column = spelt.prediction_column -%}
  {%- set label_column = spelt.label_column -%}
  {%- if score_column is none -%}
    {{ ml_monitor._arg_error(test, relation, 'score_column', 'is required: the predicted probability of the positive class', 'nothing') }}
  {%- endif -%}
  {%- set need_pred = (metrics | select('in', confusion_metrics) | list | length) > 0 or confusion_matrix -%}
  {%- if need_pred and prediction_column is none -%}
    {{ ml_monitor._arg_error(test, relation, 'prediction_column', 'is required for ' ~ (metrics | select('in', confusion_metrics) | join(', ') or 'confusion_matrix') ~ ' (the predicted label)', 'nothing') }}
  {%- endif -%}
  {%- if not need_pred -%}{%- set prediction_column = none -%}{%- endif -%}
  {%- if positive_label is none or positive_label is mapping or (positive_label is iterable and positive_label is not string) -%}
    {{ ml_monitor._arg_error(test, relation, 'positive_label', 'must be a single value (number, string or boolean)', positive_label) }}
  {%- endif -%}
  {%- do ml_monitor._check_choice(test, relation, 'calibration', calibration, ['auto', 'isotonic', 'none']) -%}
  {%- do ml_monitor._check_choice(test, relation, 'threshold', threshold, [none, 'band']) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_value', min_value) -%}
  {%- do ml_monitor._check_bool(test, relation, 'confusion_matrix', confusion_matrix) -%}
  {%- do ml_monitor._check_bool(test, relation, 'band_rows', band_rows) -%}
  {%- set drop = ml_monitor._perf_bound(test, relation, 'max_drop', max_drop) -%}
  {%- if calibration_map is not none and (calibration_map is not string or calibration_map | trim == '') -%}
    {{ ml_monitor._arg_error(test, relation, 'calibration_map', "must be the name of a frozen calibration map (dbt run-operation ml_monitor.freeze_calibration)", calibration_map) }}
  {%- endif -%}
  {%- if calibration_map is none -%}
    {%- do ml_monitor._check_relation(test, relation, 'reference', reference, required=true) -%}
    {%- if label_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'label_column', 'is required: the true label column of the reference', 'nothing') }}
    {%- endif -%}
  {%- endif -%}
  {#- labels: the realized metrics beside the estimate, where labels arrived (estimated_performance_realized.sql) -#}
  {%- set realized = ml_monitor._cbpe_realized_setup(test, relation, labels, join_key, label_column, label_join_key,
        label_timestamp_column, timestamp_column, where) -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, label_check=realized.label_check if realized else none) -%}
  {%- set pos = ml_monitor._perf_literal(positive_label) -%}
  {%- set q = ml_monitor.quote_column -%}

  {#- ---- what the reference says (or the frozen map): needs the warehouse, not at parse time ---- -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_placeholder') }}{%- endif -%}
  {%- if calibration_map is not none -%}
    {%- set plan = ml_monitor._cbpe_plan_from_map(test, relation, calibration_map) -%}
  {%- else -%}
    {%- do ml_monitor._cbpe_check_reference(test, relation, reference, label_column, score_column, prediction_column, positive_label) -%}
    {%- set plan = ml_monitor._cbpe_plan_from_reference({
        'test': test, 'relation': relation, 'reference': reference, 'calibration': calibration,
        'reference_filter': ('(' ~ reference_where ~ ')') if reference_where else '1 = 1',
        'score_sql': q(score_column), 'label_sql': q(label_column),
        'pred_sql': q(prediction_column) if prediction_column is not none else none, 'pos': pos}) -%}
  {%- endif -%}
  {%- set estimate_sql = ml_monitor._cbpe_sql(scope, plan, metrics, q(score_column),
       q(prediction_column) if prediction_column is not none else none, pos,
       {'min_value': min_value, 'drop': drop, 'band': threshold == 'band'}, confusion_matrix, band_rows) -%}
  {%- if realized is none -%}{{ return(estimate_sql) }}{%- endif -%}
  {{ ml_monitor._cbpe_with_realized(estimate_sql, scope, plan, realized, metrics, {
       'labels': labels, 'join_key': join_key, 'label_column': label_column, 'label_join_key': label_join_key,
       'label_timestamp_column': label_timestamp_column, 'timestamp_column': timestamp_column,
       'score_column': score_column, 'prediction_column': prediction_column, 'positive_label': positive_label,
       'where': where, 'segment_by': segment_by, 'min_rows': min_rows, 'window': window}, test) }}
{%- endmacro %}

{% macro _cbpe_metrics(test, relation, metric, known) -%}
  {%- if metric is none or metric == [] -%}
    {{ ml_monitor._arg_error(test, relation, 'metric', 'is required: one of ' ~ (known | join(', ')) ~ ' (or a list of them)', 'nothing') }}
  {%- endif -%}
  {%- set metrics = [metric] if metric is string else metric -%}
  {%- if metrics is mapping or metrics is not iterable -%}
    {{ ml_monitor._arg_error(test, relation, 'metric', 'must be a metric name or a list of metric names', metric) }}
  {%- endif -%}
  {%- for m in metrics -%}{%- do ml_monitor._check_choice(test, relation, 'metric', m, known) -%}{%- endfor -%}
  {{ return(metrics | list) }}
{%- endmacro %}

{#- Columns of the reference exist, and the label column's type fits positive_label. -#}
{% macro _cbpe_check_reference(test, relation, reference, label_column, score_column, prediction_column, positive_label) -%}
  {%- set cols = adapter.get_columns_in_relation(reference) -%}
  {%- set by_name = {} -%}
  {%- for c in cols -%}{%- do by_name.update({c.name | lower: c}) -%}{%- endfor -%}
  {%- for arg, name in [('label_column', label_column), ('score_column', score_column), ('prediction_column', prediction_column)] -%}
    {%- if name is not none and (ml_monitor.unquoted(name) | lower) not in by_name -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'must be a column of the reference ' ~ reference ~ ' (it has: ' ~ (cols | map(attribute='name') | join(', ')) ~ ')', name) }}
    {%- endif -%}
  {%- endfor -%}
  {%- set label = by_name[ml_monitor.unquoted(label_column) | lower] -%}
  {%- if label.is_string() and positive_label is number and positive_label is not boolean -%}
    {{ ml_monitor._arg_error(test, relation, 'label_column', 'is a text column (' ~ label.data_type ~ ') but positive_label is the number ' ~ positive_label ~ ": quote positive_label (e.g. positive_label: '1')", label_column) }}
  {%- endif -%}
  {%- if (label.is_number() or label.is_numeric()) and positive_label is string -%}
    {{ ml_monitor._arg_error(test, relation, 'label_column', 'is numeric (' ~ label.data_type ~ ") but positive_label is the text '" ~ positive_label ~ "'", label_column) }}
  {%- endif -%}
{%- endmacro %}
