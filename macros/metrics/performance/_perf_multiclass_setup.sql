{#- problem: multiclass, the arguments and the per-row SQL (the metrics: _perf_multiclass_metrics.sql).

    The classes are declared: the keys of `score_columns` ({class: probability column}), or
    `classes` (a list) when no probability is scored. Each class gets a number 1..K in the
    declared order; a label or prediction that is no declared class gets 0 and makes the
    class-averaged metrics no_data (the detail names one such value), never a silent pass.
    Per-class rows (per_class: true) carry the class in the metric name: 'f1[prepaid_card]'. -#}

{#- Checks the multiclass arguments; returns {classes: [{number, name, literal, column}],
    metrics (the asked ones, then precision / recall / f1 (/ roc_auc) of each class with
    per_class), registry (with the per-class entries), prediction_column, carry (quoted score
    columns), score_names, need_score, need_pred}. -#}
{% macro _perf_multiclass_setup(test, relation, a, metrics, registry) -%}
  {%- for arg in ['score_column', 'decision_threshold', 'challenger_score_column', 'challenger_prediction_column', 'model_version_column'] if a[arg] is not none -%}
    {{ ml_monitor._arg_error(test, relation, arg, 'is not supported with problem: multiclass'
        ~ (' (give the probability of each class: score_columns: {class: column})' if arg == 'score_column' else '')
        ~ (' (champion vs challenger is binary and regression only; compare two multiclass tests)' if 'challenger' in arg or arg == 'model_version_column' else ''), a[arg]) }}
  {%- endfor -%}
  {%- if a.positive_label != 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'positive_label', 'is not used with problem: multiclass (every declared class is scored; per_class: true gives one row per class)', a.positive_label) }}
  {%- endif -%}
  {%- do ml_monitor._check_bool(test, relation, 'per_class', a.per_class) -%}

  {#- ---- what the metrics need ---- -#}
  {%- set ns = namespace(score=false, pred=false, classes=false) -%}
  {%- for m in metrics -%}
    {%- if registry[m].input in ['score', 'prob'] -%}{%- set ns.score = true -%}{%- else -%}{%- set ns.pred = true -%}{%- endif -%}
    {%- if registry[m].classes -%}{%- set ns.classes = true -%}{%- endif -%}
  {%- endfor -%}
  {%- if a.per_class -%}{%- set ns.pred = true -%}{%- set ns.classes = true -%}{%- endif -%}

  {#- ---- the prediction column (a test placed under a column: that column) ---- -#}
  {%- set prediction_column = a.prediction_column if a.prediction_column is not none else a.column_name -%}
  {%- if prediction_column is not none -%}
    {%- set checked = ml_monitor._check_names(test, relation, 'prediction_column', prediction_column) -%}
    {%- if (checked | length) != 1 -%}
      {{ ml_monitor._arg_error(test, relation, 'prediction_column', 'must be one column name', prediction_column) }}
    {%- endif -%}
    {%- set prediction_column = checked[0] -%}
  {%- endif -%}
  {%- if ns.pred and prediction_column is none -%}
    {{ ml_monitor._arg_error(test, relation, 'prediction_column', 'is required for ' ~ (metrics | join(', ')) ~ (' and per_class' if a.per_class else '') ~ ' (the predicted class)', 'nothing') }}
  {%- endif -%}

  {#- ---- the classes: keys of score_columns, or classes ---- -#}
  {%- if a.score_columns is not none and a.classes is not none -%}
    {{ ml_monitor._arg_error(test, relation, 'classes', 'must not be given with score_columns (the classes are its keys)', a.classes) }}
  {%- endif -%}
  {%- set declared = [] -%}
  {%- set columns = [] -%}
  {%- if a.score_columns is not none -%}
    {%- if a.score_columns is not mapping or (a.score_columns | length) < 2 -%}
      {{ ml_monitor._arg_error(test, relation, 'score_columns', 'must be a mapping {class: probability column} with at least two classes', a.score_columns) }}
    {%- endif -%}
    {%- for cls, col in a.score_columns.items() -%}
      {%- if col is not string or col | trim == '' -%}
        {{ ml_monitor._arg_error(test, relation, 'score_columns', 'must map each class to one column name (class ' ~ cls ~ ' maps to ' ~ col ~ ')', a.score_columns) }}
      {%- endif -%}
      {%- if (ml_monitor.unquoted(col) | lower) in (columns | map('lower') | list) -%}
        {{ ml_monitor._arg_error(test, relation, 'score_columns', 'maps two classes to the same column ' ~ col ~ ': each class needs its own probability column', a.score_columns) }}
      {%- endif -%}
      {%- do declared.append(cls) -%}
      {%- do columns.append(ml_monitor.unquoted(col)) -%}
    {%- endfor -%}
    {%- set columns = ml_monitor._check_names(test, relation, 'score_columns', columns) -%}
    {%- for col in columns -%}
      {%- set info = ml_monitor._column_info(relation, col) -%}
      {%- if info is not none and ml_monitor._value_kind(info.dtype) != 'numbers' -%}
        {{ ml_monitor._arg_error(test, relation, 'score_columns', 'must name numeric probability columns; ' ~ col ~ ' is ' ~ info.dtype, a.score_columns) }}
      {%- endif -%}
    {%- endfor -%}
  {%- elif a.classes is not none -%}
    {%- if a.classes is string or a.classes is mapping or a.classes is not iterable or (a.classes | length) < 2 -%}
      {{ ml_monitor._arg_error(test, relation, 'classes', 'must be a list of at least two class values', a.classes) }}
    {%- endif -%}
    {%- for cls in a.classes -%}{%- do declared.append(cls) -%}{%- do columns.append(none) -%}{%- endfor -%}
  {%- endif -%}
  {%- if ns.score and a.score_columns is none -%}
    {{ ml_monitor._arg_error(test, relation, 'score_columns', 'is required for ' ~ (metrics | select('in', ['roc_auc_ovr_macro', 'roc_auc_ovr_weighted', 'log_loss']) | join(', '))
        ~ ': a mapping {class: probability column}, e.g. {prepaid_card: p_prepaid_card, upmarket_card: p_upmarket_card}', 'nothing') }}
  {%- endif -%}
  {%- if ns.classes and not declared -%}
    {{ ml_monitor._arg_error(test, relation, 'score_columns', 'or classes is required for ' ~ (metrics | join(', ')) ~ (' and per_class' if a.per_class else '')
        ~ ': the declared classes (score_columns: {class: column}, or classes: [a, b, c] without probabilities)', 'nothing') }}
  {%- endif -%}

  {#- ---- class names: distinct, of the labels' kind ---- -#}
  {%- set label_name = a.label_column if a.label_column is string else none -%}
  {%- set linfo = ml_monitor._column_info(a.labels, label_name) if (label_name is not none and a.labels is not none) else none -%}
  {%- set lkind = ml_monitor._value_kind(linfo.dtype) if linfo is not none else 'other' -%}
  {%- set arg = 'score_columns' if a.score_columns is not none else 'classes' -%}
  {%- set seen = [] -%}
  {%- set classes = [] -%}
  {%- for cls in declared -%}
    {%- if cls is none or cls is boolean or (cls is not string and cls is not number) or (cls | string | trim) == '' -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'must name each class by a non-empty text or number, as the labels spell it', cls) }}
    {%- endif -%}
    {%- if (cls | string) in seen -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'names the class ' ~ cls ~ ' twice (classes must be distinct)', declared | join(', ')) }}
    {%- endif -%}
    {%- do seen.append(cls | string) -%}
    {%- set ckind = 'numbers' if cls is number else 'text' -%}
    {%- if lkind in ['numbers', 'text'] and ckind != lkind -%}
      {{ ml_monitor._arg_error(test, relation, arg, "names the class " ~ cls ~ " as " ~ ckind ~ " but label_column '" ~ label_name ~ "' holds " ~ lkind
          ~ " (" ~ linfo.dtype ~ "); spell the classes as the labels do" ~ (" (quote numbers as text: '1')" if lkind == 'text' else ""), cls) }}
    {%- endif -%}
    {%- do classes.append({'number': loop.index, 'name': cls | string, 'literal': ml_monitor._perf_literal(cls), 'column': columns[loop.index0]}) -%}
  {%- endfor -%}

  {#- ---- the metrics: the asked ones, then per class ---- -#}
  {%- set all_metrics = metrics | list -%}
  {%- set common = {'mc_classes': classes, 'prediction_column': ml_monitor.unquoted(prediction_column) if prediction_column is not none else none,
                    'score_names': columns | reject('none') | list} -%}
  {%- set full = {} -%}
  {%- for m, spec in registry.items() -%}
    {%- set entry = {} -%}
    {%- do entry.update(spec) -%}
    {%- do entry.update(common) -%}
    {%- do full.update({m: entry}) -%}
  {%- endfor -%}
  {%- if a.per_class -%}
    {%- for c in classes -%}
      {%- for base in ['precision', 'recall', 'f1'] + (['roc_auc'] if a.score_columns is not none else []) -%}
        {%- set name = base ~ '[' ~ c.name ~ ']' -%}
        {%- do all_metrics.append(name) -%}
        {%- set entry = {'kind': 'multiclass', 'family': 'multiclass', 'input': 'score' if base == 'roc_auc' else 'pred',
                         'higher': true, 'classes': false, 'base': base, 'class': c} -%}
        {%- do entry.update(common) -%}
        {%- do full.update({name: entry}) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set carry = [] -%}
  {%- for c in classes if c.column is not none -%}{%- do carry.append(ml_monitor.quote_column(c.column)) -%}{%- endfor -%}
  {{ return({'classes': classes, 'metrics': all_metrics, 'registry': full, 'prediction_column': prediction_column,
             'carry': carry, 'score_names': columns | reject('none') | list,
             'need_score': a.score_columns is not none and (ns.score or a.per_class), 'need_pred': ns.pred}) }}
{%- endmacro %}

{#- The class number of a value: 1..K for the declared classes, 0 for any other value. -#}
{% macro _perf_class_number(expr, classes) -%}
  {%- set out -%}
    case{% for c in classes %} when {{ expr }} = {{ c.literal }} then {{ c.number }}{% endfor %} else 0 end
  {%- endset -%}
  {{ return(out) }}
{%- endmacro %}

{#- Per-arm SQL of a multiclass evaluation (see _perf_arm_sql): mm_pred is the predicted class's
    number, mm_correct whether label = prediction, mm_s1..mm_sK the class probabilities, and
    mm_unknown a label (else prediction) that is no declared class, as text. A row's scores are
    used only when every class's probability is present. -#}
{% macro _perf_multiclass_arm_sql(p, arm) -%}
  {%- set q = ml_monitor.quote_column -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set classes = p.mc.classes -%}
  {%- set literals = classes | map(attribute='literal') | join(', ') -%}
  {%- set pc = q(p.mc.prediction_column) if p.mc.prediction_column is not none else none -%}
  {%- set extra = [] -%}
  {%- if p.mc.need_score -%}
    {%- for c in classes -%}{%- do extra.append(d(q(c.column)) ~ ' as mm_s' ~ c.number) -%}{%- endfor -%}
    {%- set in_s = '(' ~ (p.mc.carry | join(' is not null and ')) ~ ' is not null)' -%}
  {%- else -%}
    {%- set in_s = '1 = 0' -%}
  {%- endif -%}
  {%- if pc is not none -%}
    {%- set pr = 'case when ' ~ pc ~ ' is not null then ' ~ ml_monitor._perf_class_number(pc, classes) ~ ' end' -%}
    {%- set correct = 'case when mm_has_label = 1 and ' ~ pc ~ ' is not null then case when mm_label = ' ~ pc ~ ' then 1 else 0 end end' -%}
    {%- set in_p = pc ~ ' is not null' -%}
    {%- do extra.append('case when mm_has_label = 1 and mm_label not in (' ~ literals ~ ') then ' ~ ml_monitor.to_string('mm_label')
                        ~ ' when ' ~ pc ~ ' not in (' ~ literals ~ ') then ' ~ ml_monitor.to_string(pc) ~ ' end as mm_unknown') -%}
  {%- else -%}
    {%- set pr = ml_monitor.to_bigint('null') -%}
    {%- set correct = ml_monitor.to_bigint('null') -%}
    {%- set in_p = '1 = 0' -%}
    {%- do extra.append('case when mm_has_label = 1 and mm_label not in (' ~ literals ~ ') then ' ~ ml_monitor.to_string('mm_label') ~ ' end as mm_unknown') -%}
  {%- endif -%}
  {{ return({'score_sql': ml_monitor.null_double(), 'pred_sql': pr, 'correct_sql': correct, 'in_s': in_s, 'in_p': in_p,
             'pred_name': p.mc.prediction_column, 'extra': extra}) }}
{%- endmacro %}
