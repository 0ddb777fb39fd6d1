{#- Multiclass metrics (problem: multiclass): from per-class confusion counts of the predicted
    class, and from the declared classes' probabilities. Conventions are scikit-learn 1.9's:
      - macro / weighted averages over the classes seen in the segment's labels or predictions
        (sklearn's default labels=None); a class's undefined precision or recall counts 0
        (zero_division); micro_f1 = accuracy (single-label multiclass);
      - roc_auc_ovr_*: one-vs-rest rank AUC per declared class (ties averaged), as
        roc_auc_score(multi_class='ovr', labels=classes): macro undefined when a class has no
        labelled row (or every row); weighted by class support;
      - log_loss: -ln p(true class), p clipped to [eps, 1 - eps], eps = 2**-52, no renormalisation;
      - per class (per_class: true): precision[c], recall[c], f1[c], roc_auc[c] are undefined
        (no_data, with the reason) where the binary metric of the class is: never predicted,
        never labelled, neither, one class only.
    Probability rows whose sum is off 1 by more than the tolerance below are counted: the OvR
    AUCs are then no_data (scikit-learn refuses them), log_loss is computed and says so. -#}
{% macro _perf_multiclass_registry() -%}
  {{ return({
    'accuracy':             {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': false},
    'micro_f1':             {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': false},
    'macro_f1':             {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'weighted_f1':          {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'macro_precision':      {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'weighted_precision':   {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'macro_recall':         {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'weighted_recall':      {'kind': 'multiclass', 'input': 'pred', 'higher': true, 'classes': true},
    'roc_auc_ovr_macro':    {'kind': 'multiclass', 'input': 'prob', 'higher': true, 'classes': true},
    'roc_auc_ovr_weighted': {'kind': 'multiclass', 'input': 'prob', 'higher': true, 'classes': true},
    'log_loss':             {'kind': 'multiclass', 'input': 'prob', 'higher': false, 'classes': true},
  }) }}
{%- endmacro %}

{#- "The probabilities of a row do not sum to 1": scikit-learn's test in roc_auc_score
    (numpy.allclose(1, sum): |sum - 1| > 1e-8 + 1e-5 * |sum|), so that probabilities stored with
    6 decimals (a 5-class row's sum is off by up to 2.5e-6) are scored as scikit-learn scores them.
    The two bounds stand once, here: the SQL condition and the text of the reason (`detail`) are
    both built from them. `sum_sql`: the SQL of the row's sum. -#}
{% macro _perf_multiclass_sum_bounds() %}{{ return({'atol': '1e-8', 'rtol': '1e-5'}) }}{% endmacro %}
{% macro _perf_multiclass_sum_tolerance() -%}
  {%- set b = ml_monitor._perf_multiclass_sum_bounds() -%}
  {{ return(b.atol ~ ' + ' ~ b.rtol ~ ' x sum') }}
{%- endmacro %}
{% macro _perf_multiclass_sum_off(sum_sql) -%}
  {%- set b = ml_monitor._perf_multiclass_sum_bounds() -%}
  {{ return('abs(' ~ sum_sql ~ ' - 1) > ' ~ b.atol ~ ' + ' ~ b.rtol ~ ' * abs(' ~ sum_sql ~ ')') }}
{%- endmacro %}

{#- Per-class SQL pieces over mm_metrics' columns, for class number n: a class's precision,
    recall and f1 with scikit-learn's zero_division (0), and whether it is seen. -#}
{% macro _perf_mc_class_sql(n) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set t, pp, tp = 'mc_t' ~ n, 'mc_p' ~ n, 'mc_tp' ~ n -%}
  {{ return({
    'precision': 'case when ' ~ pp ~ ' > 0 then ' ~ d(tp) ~ ' / ' ~ d(pp) ~ ' else 0 end',
    'recall': 'case when ' ~ t ~ ' > 0 then ' ~ d(tp) ~ ' / ' ~ d(t) ~ ' else 0 end',
    'f1': 'case when ' ~ t ~ ' + ' ~ pp ~ ' > 0 then ' ~ d('2 * ' ~ tp) ~ ' / ' ~ d(t ~ ' + ' ~ pp) ~ ' else 0 end',
    'seen': 'case when ' ~ t ~ ' + ' ~ pp ~ ' > 0 then 1 else 0 end',
    'auc': 'mc_u' ~ n ~ ' / nullif(' ~ d('mc_pos' ~ n) ~ ' * ' ~ d('mc_n - mc_pos' ~ n) ~ ', 0)',
  }) }}
{%- endmacro %}

{% macro _perf_multiclass_metric_sql(metric, spec) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set lit = ml_monitor.string_literal -%}
  {%- set classes = spec.mc_classes -%}
  {%- set base = spec.base if spec.base is defined else metric -%}
  {%- set pred_col = spec.prediction_column -%}
  {%- set all_scores = spec.score_names | join(', ') -%}
  {%- set unknown_note = "case when mc_unknown_p > 0 then '; ' || " ~ s('mc_unknown_p') ~ " || ' rows have a label or prediction that is not a declared class (e.g. ' || mc_unknown_p_example || ')' else '' end" -%}
  {%- set unknown_p = s('mc_unknown_p') ~ " || ' of ' || " ~ s('n_p') ~ " || ' labelled rows have a label or prediction that is not a declared class (e.g. ' || mc_unknown_p_example || '): " ~ metric ~ " undefined; declare every class in score_columns (or classes)'" -%}
  {%- set prob_bad = "case when mc_nonfinite > 0 then " ~ s('mc_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled rows have a NaN or infinite probability: " ~ metric ~ " undefined' "
        ~ "when mc_outside > 0 then " ~ s('mc_outside') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled rows have a probability outside [0, 1]: " ~ metric ~ " needs probabilities' "
        ~ "when mc_unknown_s > 0 then " ~ s('mc_unknown_s') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled rows have a label that is not a class of score_columns (e.g. ' || mc_unknown_s_example || '): " ~ metric ~ " undefined' " -%}
  {%- set bad_sum = s('mc_badsum') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled rows have probabilities that do not sum to 1 (tolerance " ~ ml_monitor._perf_multiclass_sum_tolerance()
        ~ "; sums from ' || " ~ ml_monitor._fmt('mc_sum_min', 6) ~ " || ' to ' || " ~ ml_monitor._fmt('mc_sum_max', 6) ~ " || ')'" -%}
  {%- set probs_ok = 'mc_nonfinite = 0 and mc_outside = 0 and mc_unknown_s = 0' -%}

  {#- ---- from the predicted class ---- -#}
  {%- if base in ['accuracy', 'micro_f1'] -%}
    {{ return({'n_used': 'n_p', 'value': d('mc_correct') ~ ' / ' ~ d('n_p'), 'reason': 'null', 'note': unknown_note, 'column': pred_col}) }}
  {%- elif metric in ['macro_f1', 'macro_precision', 'macro_recall', 'weighted_f1', 'weighted_precision', 'weighted_recall'] -%}
    {%- set part = metric.split('_')[1] -%}
    {%- set terms = [] -%}
    {%- set seen = [] -%}
    {%- for c in classes -%}
      {%- set cs = ml_monitor._perf_mc_class_sql(c.number) -%}
      {%- if metric.startswith('macro') -%}
        {%- do terms.append('(' ~ cs[part] ~ ')') -%}
        {%- do seen.append('(' ~ cs.seen ~ ')') -%}
      {%- else -%}
        {%- do terms.append(d('mc_t' ~ c.number) ~ ' * (' ~ cs[part] ~ ')') -%}
      {%- endif -%}
    {%- endfor -%}
    {#- macro: the mean over the classes seen (an unseen class's terms are 0); weighted: by support -#}
    {%- set denominator = d(seen | join(' + ')) if metric.startswith('macro') else d('n_p') -%}
    {{ return({'n_used': 'n_p', 'value': 'case when mc_unknown_p = 0 then (' ~ (terms | join(' + ')) ~ ') / ' ~ denominator ~ ' end',
               'reason': unknown_p, 'column': pred_col}) }}
  {%- elif base in ['precision', 'recall', 'f1'] -%}
    {%- set c = spec['class'] -%}
    {%- set n = c.number -%}
    {%- set cs = ml_monitor._perf_mc_class_sql(n) -%}
    {%- set defined = {'precision': 'mc_p' ~ n ~ ' > 0', 'recall': 'mc_t' ~ n ~ ' > 0', 'f1': 'mc_t' ~ n ~ ' + mc_p' ~ n ~ ' > 0'}[base] -%}
    {%- set why = {'precision': 'class ' ~ c.name ~ ' is never predicted among ',
                   'recall': 'no labelled row of class ' ~ c.name ~ ' among ',
                   'f1': 'class ' ~ c.name ~ ' is neither labelled nor predicted among '}[base] -%}
    {{ return({'n_used': 'n_p', 'value': 'case when ' ~ defined ~ ' then ' ~ cs[base] ~ ' end',
               'reason': lit(why) ~ ' || ' ~ s('n_p') ~ ' || ' ~ lit(' labelled rows: ' ~ metric ~ ' undefined' ~ (' (scikit-learn: 0 by zero_division)' if base != 'f1' else '')),
               'note': unknown_note, 'column': pred_col, 'facts': "',\"class\":' || " ~ ml_monitor.json_literal(c.name)}) }}

  {#- ---- from the probabilities ---- -#}
  {%- elif base == 'roc_auc' -%}
    {%- set c = spec['class'] -%}
    {%- set n = c.number -%}
    {{ return({'n_used': 'n_s',
        'value': 'case when mc_nonfinite = 0 and mc_pos' ~ n ~ ' > 0 and mc_pos' ~ n ~ ' < mc_n then ' ~ ml_monitor._perf_mc_class_sql(n).auc ~ ' end',
        'reason': "case when mc_nonfinite > 0 then " ~ s('mc_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || " ~ lit(' labelled rows have a NaN or infinite probability: ' ~ metric ~ ' undefined') ~ " "
                  ~ "else " ~ lit('only one class among ') ~ " || " ~ s('n_s') ~ " || ' labelled rows (' || " ~ s('coalesce(mc_pos' ~ n ~ ', 0)') ~ " || " ~ lit(' of class ' ~ c.name ~ '): ' ~ metric ~ ' undefined') ~ " end",
        'column': c.column, 'facts': "',\"class\":' || " ~ ml_monitor.json_literal(c.name)}) }}
  {%- elif metric in ['roc_auc_ovr_macro', 'roc_auc_ovr_weighted'] -%}
    {%- set aucs = [] -%}
    {%- set one_class = [] -%}
    {%- set present = [] -%}
    {%- for c in classes -%}
      {%- set cs = ml_monitor._perf_mc_class_sql(c.number) -%}
      {%- if metric == 'roc_auc_ovr_macro' -%}
        {%- do aucs.append(cs.auc) -%}
        {%- do one_class.append('when mc_pos' ~ c.number ~ ' = 0 then ' ~ lit('no labelled row of class ' ~ c.name ~ ' among ') ~ ' || ' ~ s('mc_n') ~ ' || ' ~ lit(': ' ~ metric ~ ' undefined (each class needs rows of both sides)')
                                ~ ' when mc_pos' ~ c.number ~ ' = mc_n then ' ~ lit('every one of ') ~ ' || ' ~ s('mc_n') ~ ' || ' ~ lit(' labelled rows is of class ' ~ c.name ~ ': ' ~ metric ~ ' undefined')) -%}
      {%- else -%}
        {%- do aucs.append('case when mc_pos' ~ c.number ~ ' > 0 then ' ~ d('mc_pos' ~ c.number) ~ ' * ' ~ cs.auc ~ ' else 0 end') -%}
        {%- do present.append('case when mc_pos' ~ c.number ~ ' > 0 then 1 else 0 end') -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if metric == 'roc_auc_ovr_macro' -%}
      {%- set conds = [] -%}
      {%- for c in classes -%}{%- do conds.append('mc_pos' ~ c.number ~ ' > 0 and mc_pos' ~ c.number ~ ' < mc_n') -%}{%- endfor -%}
      {%- set value = '(' ~ (aucs | join(' + ')) ~ ') / ' ~ (classes | length) -%}
      {%- set class_reason = 'case ' ~ (one_class | join(' ')) ~ ' end' -%}
    {%- else -%}
      {%- set conds = ['(' ~ (present | join(' + ')) ~ ') > 1'] -%}
      {%- set value = '(' ~ (aucs | join(' + ')) ~ ') / ' ~ d('mc_n') -%}
      {%- set class_reason = lit('only one class among ') ~ ' || ' ~ s('mc_n') ~ ' || ' ~ lit(' labelled rows: ' ~ metric ~ ' undefined') -%}
    {%- endif -%}
    {{ return({'n_used': 'n_s',
        'value': 'case when ' ~ probs_ok ~ ' and mc_badsum = 0 and ' ~ (conds | join(' and ')) ~ ' then ' ~ value ~ ' end',
        'reason': prob_bad ~ "when mc_badsum > 0 then " ~ bad_sum ~ " || ': " ~ metric ~ " undefined (as scikit-learn: the scores must be probabilities)' else " ~ class_reason ~ " end",
        'column': all_scores, 'facts': "',\"probability_sum_off\":' || " ~ ml_monitor.json_int('mc_badsum')}) }}
  {%- elif metric == 'log_loss' -%}
    {{ return({'n_used': 'n_s', 'value': 'case when ' ~ probs_ok ~ ' then mc_ll_sum / ' ~ d('n_s') ~ ' end',
        'reason': prob_bad ~ 'end',
        'note': "case when mc_badsum > 0 then '; ' || " ~ bad_sum ~ " || ', used as given (scikit-learn warns)' else '' end",
        'column': all_scores, 'facts': "',\"probability_sum_off\":' || " ~ ml_monitor.json_int('mc_badsum')}) }}
  {%- endif -%}
{%- endmacro %}

{#- The counts and sums of the one scan (mm_agg), and the one-vs-rest rank sums (CTEs ending in
    mm_mc_rank: per (arm, segment) mc_n, and per class mc_pos<n> and mc_u<n>; joined into
    mm_metrics as mr). -#}
{% macro _perf_multiclass_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'multiclass' not in p.families -%}{{ return(parts) }}{%- endif -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set classes = p.mc.classes -%}
  {%- set names = [] -%}
  {%- set aggregates -%}
    {%- if p.mc.need_pred %},
    -- per declared class: labelled (support), predicted, both; rows of an undeclared class
    sum(case when mm_use_p = 1 then mm_correct else 0 end) as mc_correct,
    sum(case when mm_use_p = 1 and mm_unknown is not null then 1 else 0 end) as mc_unknown_p,
    min(case when mm_use_p = 1 then mm_unknown end) as mc_unknown_p_example
    {%- do names.extend(['mc_correct', 'mc_unknown_p', 'mc_unknown_p_example']) %}
    {%- for c in classes %},
    sum(case when mm_use_p = 1 and mm_y = {{ c.number }} then 1 else 0 end) as mc_t{{ c.number }},
    sum(case when mm_use_p = 1 and mm_pred = {{ c.number }} then 1 else 0 end) as mc_p{{ c.number }},
    sum(case when mm_use_p = 1 and mm_y = {{ c.number }} and mm_pred = {{ c.number }} then 1 else 0 end) as mc_tp{{ c.number }}
    {%- do names.extend(['mc_t' ~ c.number, 'mc_p' ~ c.number, 'mc_tp' ~ c.number]) %}
    {%- endfor %}
    {%- endif %}
    {%- if p.mc.need_score %}
    {%- set ss = [] %}
    {%- set finite = [] %}
    {%- set valid = [] %}
    {%- for c in classes %}
      {%- do ss.append('mm_s' ~ c.number) %}
      {%- do finite.append(ml_monitor.is_non_finite('mm_s' ~ c.number)) %}
      {%- do valid.append('mm_s' ~ c.number ~ ' >= 0 and mm_s' ~ c.number ~ ' <= 1') %}
    {%- endfor %}
    {%- set eps = d(ml_monitor._perf_log_loss_eps()) %}
    {%- set whens = [] %}
    {%- for c in classes %}{% do whens.append(' when ' ~ c.number ~ ' then mm_s' ~ c.number) %}{% endfor %}
    {%- set p_true = 'case mm_y' ~ (whens | join('')) ~ ' end' %},
    -- probabilities: undeclared labels, NaN / infinite, outside [0, 1], sums off 1
    sum(case when mm_use_s = 1 and mm_y = 0 then 1 else 0 end) as mc_unknown_s,
    min(case when mm_use_s = 1 and mm_y = 0 then mm_unknown end) as mc_unknown_s_example,
    sum(case when mm_use_s = 1 and ({{ finite | join(' or ') }}) then 1 else 0 end) as mc_nonfinite,
    sum(case when mm_use_s = 1 and not ({{ valid | join(' and ') }}) then 1 else 0 end) as mc_outside,
    sum(case when mm_use_s = 1 and {{ ml_monitor._perf_multiclass_sum_off(ss | join(' + ')) }} then 1 else 0 end) as mc_badsum,
    min(case when mm_use_s = 1 then {{ ss | join(' + ') }} end) as mc_sum_min,
    max(case when mm_use_s = 1 then {{ ss | join(' + ') }} end) as mc_sum_max,
    -- log loss: -ln p(true class), clipped to [eps, 1 - eps] (eps = 2**-52) as scikit-learn
    sum(case when mm_use_s = 1 and mm_y > 0 and {{ valid | join(' and ') }} then
      -{{ ml_monitor.ln('case when (' ~ p_true ~ ') < ' ~ eps ~ ' then ' ~ eps ~ ' when (' ~ p_true ~ ') > 1 - ' ~ eps ~ ' then 1 - ' ~ eps ~ ' else ' ~ p_true ~ ' end') }}
    end) as mc_ll_sum
    {%- do names.extend(['mc_unknown_s', 'mc_unknown_s_example', 'mc_nonfinite', 'mc_outside', 'mc_badsum', 'mc_sum_min', 'mc_sum_max', 'mc_ll_sum']) %}
    {%- endif %}
  {%- endset -%}
  {%- do parts.update({'aggregates': aggregates, 'agg_names': names, 'columns': ml_monitor._perf_agg_columns(names)}) -%}
  {%- if p.mc.need_score -%}
    {%- set joins %}
  left join mm_mc_rank as mr on {{ ml_monitor._perf_kmatch(p, 'g', 'mr') }}g.mm_arm = mr.mm_arm and {{ ml_monitor._perf_seg_match('g', 'mr') }}
    {%- endset %}
    {%- set rank_cols = ['mr.mc_n'] -%}
    {%- for k in classes -%}{%- do rank_cols.extend(['mr.mc_pos' ~ k.number, 'mr.mc_u' ~ k.number]) -%}{%- endfor -%}
    {%- do parts.update({'ctes': ml_monitor._perf_mc_rank_ctes(p, arms), 'joins': joins, 'columns': parts.columns ~ ',\n    ' ~ (rank_cols | join(', '))}) -%}
  {%- endif -%}
  {{ return(parts) }}
{%- endmacro %}

{#- One-vs-rest rank sums, distributed on every engine: the labelled rows once per declared
    class (mm_k; label is the class = positive, its probability = score), ranked as the binary
    rankings are (_perf_rank_bucket_ctes: value buckets per (arm, class)), then one row per
    (arm, segment) again. On DuckDB too: unlike the binary ranks (_perf_rank_method), one
    rank() window per class over whole segments was not faster there (docs/benchmarks.md). -#}
{% macro _perf_mc_rank_ctes(p, arms) -%}
  {%- set classes = p.mc.classes -%}
  {%- set class_rows = [] -%}
  {%- for k in classes -%}{%- do class_rows.append([k.number]) -%}{%- endfor %}

-- one-vs-rest ROC AUC of each declared class: the binary rank sums of "label is the class"
-- against the class's probability, per (arm, class[, segment]); a row with any NaN / infinite
-- probability is in no ranking
mm_mc_long as (
  select
    {{ ml_monitor._perf_k(p, 's') }}s.mm_arm,
    c.mm_k,
    {%- for c in p.seg_sqls %}
    s.{{ c }},
    {%- endfor %}
    case when s.mm_y = c.mm_k then 1 else 0 end as mm_y,
    case c.mm_k{% for k in classes %} when {{ k.number }} then s.mm_s{{ k.number }}{% endfor %} end as mm_score
  from mm_scored as s
  cross join {{ ml_monitor.literal_rows(class_rows, ['mm_k'], 'c') }}
  where s.mm_use_s = 1
    {%- for k in classes %}
    and not {{ ml_monitor.is_non_finite('s.mm_s' ~ k.number) }}
    {%- endfor %}
),
{{ ml_monitor._perf_rank_bucket_ctes(p, arms, 'mm_mc_rank', 'mm_mc_long', none, ['mm_k'], false) }}

-- one row per (arm, segment): labelled rows, and per class its positives and U
mm_mc_rank as (
  select
    {{ ml_monitor._perf_k(p) }}mm_arm, segment_column, segment_value,
    max(n_all) as mc_n
    {%- for k in classes %},
    max(case when mm_k = {{ k.number }} then p_all end) as mc_pos{{ k.number }},
    max(case when mm_k = {{ k.number }} then auc_u end) as mc_u{{ k.number }}
    {%- endfor %}
  from mm_mc_rank_u
  group by {{ ml_monitor._perf_k(p) }}mm_arm, segment_column, segment_value
),
{%- endmacro %}
