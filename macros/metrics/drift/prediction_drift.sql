{#- Prediction drift: the score's PSI against the reference, plus the shift of the
    positive-prediction rate (absolute: current - reference; relative: that shift
    divided by the reference rate), overall and per segment.

    {{ ml_monitor.prediction_drift(ref('predictions'), score_column='score', prediction_column='predicted_label',
                                   reference=ref('validation_predictions'), max_rate_shift=0.05) }}

    statistic: the score's distribution statistic on the psi bins: psi (default, threshold 0.2),
    js_distance, hellinger or total_variation (default threshold 0.1); see ml_monitor.binned_drift.

    baseline: a frozen baseline (ml_monitor.freeze_baseline) holding the score's bins and, with
    positive_rate, the reference positive rate under the same rule: the reference is not read.

    Positive predictions: prediction_column = positive_value (default 1), or, without a
    prediction_column, score >= score_threshold (default 0.5). Null predictions are left
    out of the rate. Observation metrics: psi (column = score), positive_rate_shift and
    positive_rate_relative_shift (column = the prediction column, or the score), each
    with baseline_value = the reference positive rate.
-#}
{% macro prediction_drift(relation, score_column, prediction_column=none, positive_value=1, score_threshold=none,
                          reference=none, reference_where=none, reference_window=none, baseline=none,
                          threshold=none, statistic='psi', max_rate_shift=0.1, max_relative_rate_shift=none,
                          bins=10, binning='quantile', epsilon=0.0001,
                          where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
                          windows=none, fail_on=none, anomaly=none, test='prediction_drift') -%}
  {%- set setup = ml_monitor._drift_setup(test, relation, [score_column] if score_column is string else score_column,
                                          reference, reference_where, reference_window, baseline,
                                          where, segment_by, timestamp_column, window, min_rows,
                                          windows=windows, fail_on=fail_on, anomaly=anomaly, allow_previous=true,
                                          columns_arg='score_column') -%}
  {%- set scope = setup.scope -%}
  {%- do setup.update({'columns_arg': 'score_column'}) -%}
  {%- if setup.get('reference') is not none and prediction_column is not none -%}
    {%- do ml_monitor._check_columns_exist(test, relation, 'prediction_column',
          ml_monitor._check_names(test, relation, 'prediction_column', prediction_column), setup.reference) -%}
  {%- endif -%}
  {%- if scope.multi and binning != 'quantile' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile with windows > 1 (equal-width bins depend on each current window)", binning) }}
  {%- endif -%}
  {%- set wk = 'c.ml_window_start, ' if scope.multi else '' -%}
  {%- set score_names = ml_monitor._check_names(test, relation, 'score_column', score_column, required=true) -%}
  {%- if score_names | length != 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'score_column', "must be one column", score_column) }}
  {%- endif -%}
  {%- if binning == 'evidently' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile or equal_width for prediction_drift", binning) }}
  {%- endif -%}
  {%- if baseline is not none and binning != 'quantile' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile with a frozen baseline (equal-width bins depend on the current window)", binning) }}
  {%- endif -%}
  {%- set args = ml_monitor._drift_binning_args(test, relation, binning, bins, epsilon, 200) -%}
  {%- do ml_monitor._check_choice(test, relation, 'statistic', statistic, ['psi', 'js_distance', 'hellinger', 'total_variation']) -%}
  {%- set threshold = ml_monitor._binned_statistics()[statistic] if threshold is none else threshold -%}
  {%- do ml_monitor._check_number(test, relation, 'threshold', threshold, min=0) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_rate_shift', max_rate_shift, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_relative_rate_shift', max_relative_rate_shift, min=0) -%}
  {#- nothing is read while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set cols = ml_monitor._drift_columns(test, relation, score_names, 'numeric', kind_arg='score_column') -%}
  {%- set score = cols[0] -%}
  {%- set pr = ml_monitor._positive_rule(test, relation, score, prediction_column, positive_value, score_threshold) -%}
  {%- set rate_column, extra_columns, rule = pr.rate_column, pr.extra_columns, pr.rule -%}
  {%- if setup.previous -%}
    {%- set ctes = ml_monitor._drift_previous_ctes(setup, ml_monitor._drift_previous_plan(setup, cols, args), args, false, extra_columns, pr.aggregates) -%}
  {%- elif setup.baseline is not none -%}
    {#- the score's bins and the reference positive rate, both from the frozen baseline -#}
    {%- set ctes = ml_monitor._drift_binned_ctes(setup, ml_monitor._drift_plan(setup, cols, args), args, false, extra_columns, pr.aggregates)
                   ~ ',\n' ~ ml_monitor._baseline_rate_cte(setup, pr) -%}
  {%- else -%}
    {%- set ctes = ml_monitor._drift_binned_ctes(setup, ml_monitor._drift_plan(setup, cols, args), args, false, extra_columns, pr.aggregates) -%}
  {%- endif -%}
  {%- set nse = ml_monitor.null_safe_equal -%}
  {%- set sql -%}
with {{ ctes }},

rates as (
  select {{ wk }}c.segment_column, c.segment_value,
    coalesce(c.n_rows, 0) as cur_rows,
    coalesce(r.n_rows, 0) as ref_rows,
    coalesce(c.ml_n_pred, 0) as cur_pred,
    coalesce(r.ml_n_pred, 0) as ref_pred,
    {{ ml_monitor.safe_divide('c.ml_n_pos', 'c.ml_n_pred') }} as cur_rate,
    {{ ml_monitor.safe_divide('r.ml_n_pos', 'r.ml_n_pred') }} as ref_rate
  from current_counts as c
  left join reference_counts as r
    on {% if setup.previous %}r.ml_window_start = c.ml_window_start and {% endif %}{{ nse('r.segment_column', 'c.segment_column') }} and {{ nse('r.segment_value', 'c.segment_value') }}
  where c.segment_column is null or c.n_rows > 0
),
rate_rows as (
  select rates.*,
    {%- if scope.multi %}
    windows_frame.window_start, windows_frame.window_end, windows_frame.ml_window_label,
    {{ ml_monitor._window_note_sql(scope, 'windows_frame', 'window_facts') }} as ml_window_note,
    {%- endif %}
    case
      {%- if scope.multi %}
      when cur_rows = 0 then 'no rows in window ' || windows_frame.ml_window_label
      {%- endif %}
      when ref_rows = 0 then {{ ml_monitor._drift_no_ref_text(setup) }} || case when segment_column is not null then ' for this segment' else '' end
      when ref_pred = 0 then 'no reference predictions (all null)'
      when cur_pred = 0 then 'no current predictions (all null)'
    end as undefined_reason,
    'positive rate ({{ rule }}) ' || coalesce({{ ml_monitor._fmt('100 * cur_rate', 2) }}, '?') || '% vs '
      || coalesce({{ ml_monitor._fmt('100 * ref_rate', 2) }}, '?') || '% in the reference' as rate_text,
    '{"reference":' || {{ ml_monitor._drift_reference_fact(setup) }}
      || ',"rule":' || {{ ml_monitor.json_literal(rule) }}
      || ',"current_rows":' || {{ ml_monitor.json_int('cur_rows') }} || ',"reference_rows":' || {{ ml_monitor.json_int('ref_rows') }}
      || ',"current_predictions":' || {{ ml_monitor.json_int('cur_pred') }} || ',"reference_predictions":' || {{ ml_monitor.json_int('ref_pred') }}
      || ',"current_rate":' || {{ ml_monitor.json_number('cur_rate') }} || ',"reference_rate":' || {{ ml_monitor.json_number('ref_rate') }}
      || '}' as rate_facts
  from rates
  {%- if scope.multi %}
  join windows_frame on windows_frame.window_start = rates.ml_window_start
  cross join window_facts
  {%- endif %}
),

long as (
  {{ ml_monitor._drift_metric_rows(setup, statistic, statistic, threshold, scope=scope) }}
  union all
  {%- set column_sql = ml_monitor.to_string(ml_monitor.string_literal(rate_column)) %}
  {%- set detail -%}
    rate_text || ': shift ' || coalesce({{ ml_monitor._fmt('100 * (cur_rate - ref_rate)', 2) }}, '?') || ' points'
      {%- if max_rate_shift is not none %}
      || case when abs(cur_rate - ref_rate) > {{ max_rate_shift }} then ', beyond +/-{{ max_rate_shift }}' else '' end
      {%- endif %}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, none, 'positive_rate_shift', column_sql=column_sql,
         value='case when undefined_reason is null then cur_rate - ref_rate end', threshold=max_rate_shift,
         baseline_value='ref_rate', sample_size='cur_rows',
         is_fail='false' if max_rate_shift is none
                 else 'coalesce(undefined_reason is null and abs(cur_rate - ref_rate) > ' ~ max_rate_shift ~ ', false)',
         detail=detail, undefined_reason='undefined_reason', facts='rate_facts') }}
  from rate_rows
  union all
  {%- set detail -%}
    rate_text || ': relative shift ' || coalesce({{ ml_monitor._fmt('100 * (cur_rate - ref_rate) / nullif(ref_rate, 0)', 2) }}, '?') || '%'
      {%- if max_relative_rate_shift is not none %}
      || case when abs(cur_rate - ref_rate) / nullif(ref_rate, 0) > {{ max_relative_rate_shift }} then ', beyond +/-{{ max_relative_rate_shift }}' else '' end
      {%- endif %}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, none, 'positive_rate_relative_shift', column_sql=column_sql,
         value='case when undefined_reason is null and ref_rate > 0 then (cur_rate - ref_rate) / ref_rate end',
         threshold=max_relative_rate_shift, baseline_value='ref_rate', sample_size='cur_rows',
         is_fail='false' if max_relative_rate_shift is none
                 else 'coalesce(undefined_reason is null and ref_rate > 0 and abs(cur_rate - ref_rate) / ref_rate > '
                      ~ max_relative_rate_shift ~ ', false)',
         detail=detail, facts='rate_facts',
         undefined_reason="coalesce(undefined_reason, case when ref_rate = 0 then 'reference positive rate is 0: relative shift undefined' end)") }}
  from rate_rows
)

{{ ml_monitor._finalize_observations(test, 'long', scope, has_facts=true) }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}


{#- What prediction_drift (and freeze_baseline's positive_rate) counts as a positive prediction:
    prediction_column = positive_value, or, without a prediction_column, score >= score_threshold
    (default 0.5). score: the checked score column (from _drift_columns; none without one).
    Returns dict(rate_column, extra_columns, rule, aggregates: the 0/1 conditions counted per group as
    ml_n_pos / ml_n_pred, as (name, condition) pairs). -#}
{% macro _positive_rule(test, relation, score, prediction_column, positive_value, score_threshold) -%}
  {%- if prediction_column is not none -%}
    {%- set pred_name = ml_monitor._check_names(test, relation, 'prediction_column', prediction_column)[0] -%}
    {%- set pred_col = ml_monitor._drift_columns(test, relation, [pred_name], none)[0] -%}
    {%- set pred_sql = ml_monitor.quote_column(pred_name) -%}
    {%- if positive_value is boolean -%}{%- set pos_lit = 'true' if positive_value else 'false' -%}
    {%- elif positive_value is number -%}{%- set pos_lit = positive_value | string -%}
    {%- elif positive_value is string -%}{%- set pos_lit = ml_monitor.string_literal(positive_value) -%}
    {%- else -%}
      {{ ml_monitor._arg_error(test, relation, 'positive_value', "must be a number, a string or true/false", positive_value) }}
    {%- endif -%}
    {#- text predictions against a number (the default 1), or the reverse: an engine's conversion
        error at run time; said at compile time, as performance does for positive_label -#}
    {%- set pred_kind = ml_monitor._value_kind(pred_col.dtype) -%}
    {%- set pos_kind = 'booleans' if positive_value is boolean else ('numbers' if positive_value is number else 'text') -%}
    {%- set pos_words = {'booleans': 'true or false', 'numbers': 'a number', 'text': 'text'}[pos_kind] -%}
    {%- if 'text' in [pred_kind, pos_kind] and pred_kind != pos_kind and pred_kind != 'other' -%}
      {{ ml_monitor._arg_error(test, relation, 'positive_value',
          "is " ~ pos_words ~ (" (its default is 1)" if (positive_value is number and positive_value == 1 and positive_value is not boolean) else "") ~ " but prediction_column '" ~ pred_col.name ~ "' holds " ~ pred_kind ~ " (" ~ pred_col.dtype
          ~ "); give the positive class as the predictions spell it" ~ (" (e.g. positive_value: 'yes')" if pred_kind == 'text' else ""),
          positive_value) }}
    {%- endif -%}
    {%- set is_positive = pred_sql ~ ' = ' ~ pos_lit -%}
    {%- set has_prediction = pred_sql ~ ' is not null' -%}
    {%- set rate_column = ml_monitor.unquoted(pred_name) -%}
    {%- set extra_columns = [pred_sql] -%}
    {%- set rule = 'prediction = ' ~ positive_value -%}
  {%- else -%}
    {%- if score is none -%}
      {{ ml_monitor._arg_error(test, relation, 'score_column', "is required without a prediction_column (positive when score >= score_threshold)", 'nothing') }}
    {%- endif -%}
    {%- set cut = 0.5 if score_threshold is none else score_threshold -%}
    {%- do ml_monitor._check_number(test, relation, 'score_threshold', cut) -%}
    {%- set is_positive = ml_monitor.to_double(score.sql) ~ ' >= ' ~ ml_monitor.double_const(cut) ~ ' and not ' ~ ml_monitor.is_non_finite(score.sql) -%}
    {%- set has_prediction = score.sql ~ ' is not null and not ' ~ ml_monitor.is_non_finite(score.sql) -%}
    {%- set rate_column = score.name -%}
    {%- set extra_columns = [score.sql] -%}
    {%- set rule = 'score >= ' ~ cut -%}
  {%- endif -%}
  {{ return({'rate_column': rate_column, 'extra_columns': extra_columns, 'rule': rule,
             'aggregates': [('ml_n_pos', is_positive), ('ml_n_pred', has_prediction)]}) }}
{%- endmacro %}
