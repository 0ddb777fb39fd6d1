{#- The arguments of ml_monitor.performance, declared once: name -> default. The public macros
    (performance, calibration, label_coverage) and their tests take these as keyword arguments
    and forward them; an argument not declared here is a compile-time error naming the test. -#}
{% macro _perf_arguments() -%}
  {{ return({
    'metric': none, 'labels': none, 'join_key': none, 'label_column': none,
    'score_column': none, 'prediction_column': none, 'positive_label': 1, 'decision_threshold': none,
    'label_timestamp_column': none, 'label_join_key': none, 'timestamp_column': none, 'label_delay': none,
    'window': none, 'where': none, 'segment_by': none, 'min_rows': none,
    'min_value': none, 'max_value': none, 'max_drop': none,
    'reference': none, 'reference_where': none, 'reference_window': none,
    'challenger_score_column': none, 'challenger_prediction_column': none,
    'model_version_column': none, 'champion_version': none, 'challenger_version': none, 'paired': true,
    'challenger_margin': none, 'min_coverage': none, 'bins': 10, 'column_name': none,
    'windows': none, 'fail_on': none, 'series_windows': none, 'anomaly': none,
    'problem': none, 'score_columns': none, 'classes': none, 'per_class': false,
  }) }}
{%- endmacro %}

{#- `given` (keyword arguments) completed with the defaults of `_perf_arguments()`; a name that is
    not in `accepted` (default: every declared argument) is a compile-time error. -#}
{% macro _perf_args(test, relation, given, accepted=none) -%}
  {%- set defaults = ml_monitor._perf_arguments() -%}
  {%- set accepted = (defaults.keys() | list) if accepted is none else accepted -%}
  {%- set args = {} -%}
  {%- for name, value in defaults.items() -%}{%- do args.update({name: value}) -%}{%- endfor -%}
  {%- for name, value in given.items() -%}
    {%- if name not in accepted -%}
      {#- the shared message (closest name, every argument a user may give: the test's
          fail_on_no_data, not the package's internal series_windows) -#}
      {%- do ml_monitor._check_known_args(test, relation, {name: value},
               accepted | reject('equalto', 'series_windows') | list, ['fail_on_no_data']) -%}
    {%- endif -%}
    {%- do args.update({name: value}) -%}
  {%- endfor -%}
  {{ return(args) }}
{%- endmacro %}

{#- Every metric family, in the order their SQL is composed. A family file
    (_perf_<family>_metrics.sql) holds its metrics (`_perf_<family>_registry`), their value SQL
    (`_perf_<family>_metric_sql`) and the CTE parts that compute their inputs (`_perf_<family>_parts`).
    `nonfinite`: the family's parts count the labelled rows whose input is NaN or infinite
    (n_nonfinite_p); its metrics are then undefined, with that reason (_perf_metric_sql). -#}
{% macro _perf_families() -%}
  {{ return([
    {'name': 'threshold', 'registry': ml_monitor._perf_threshold_registry,
     'metric_sql': ml_monitor._perf_threshold_metric_sql, 'parts': ml_monitor._perf_threshold_parts,
     'nonfinite': 'score (decision_threshold)'},
    {'name': 'rank', 'registry': ml_monitor._perf_rank_registry,
     'metric_sql': ml_monitor._perf_rank_metric_sql, 'parts': ml_monitor._perf_rank_parts},
    {'name': 'prob', 'registry': ml_monitor._perf_prob_registry,
     'metric_sql': ml_monitor._perf_prob_metric_sql, 'parts': ml_monitor._perf_prob_parts},
    {'name': 'regression', 'registry': ml_monitor._perf_regression_registry,
     'metric_sql': ml_monitor._perf_regression_metric_sql, 'parts': ml_monitor._perf_regression_parts,
     'nonfinite': 'prediction or target'},
    {'name': 'multiclass', 'problem': 'multiclass', 'registry': ml_monitor._perf_multiclass_registry,
     'metric_sql': ml_monitor._perf_multiclass_metric_sql, 'parts': ml_monitor._perf_multiclass_parts},
  ]) }}
{%- endmacro %}

{#- metric -> {kind, input, higher, family}: classification or regression; input pred (a 0/1 or
    numeric prediction), score (any real score) or prob (a probability); whether higher is better.
    problem: multiclass -> the metrics of the families for that problem only (their names, like
    accuracy or log_loss, are the binary ones computed another way); else every other family. -#}
{% macro _perf_metric_registry(problem=none) -%}
  {%- set registry = {} -%}
  {%- set wanted = 'multiclass' if problem == 'multiclass' else none -%}
  {%- for fam in ml_monitor._perf_families() if fam.get('problem') == wanted -%}
    {%- for m, spec in fam.registry().items() -%}
      {%- set entry = {'family': fam.name} -%}
      {%- do entry.update(spec) -%}
      {%- do registry.update({m: entry}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(registry) }}
{%- endmacro %}

{#- {value, n_used, reason, note, empty_reason, facts} SQL for one metric, from its family. `reason`
    is evaluated only when value is null and n_used > 0; `facts`: more JSON members of the row's
    facts (SQL text starting with a comma, or ''). -#}
{% macro _perf_metric_sql(metric, registry) -%}
  {%- set spec = registry[metric] -%}
  {%- set out = {} -%}
  {%- for fam in ml_monitor._perf_families() if fam.name == spec.family -%}
    {%- do out.update(fam.metric_sql(metric, spec)) -%}
    {%- if fam.nonfinite is defined -%}
      {#- a NaN or infinite input makes the sums NaN / inf: undefined, said (never a NaN that passes) -#}
      {%- set s = ml_monitor._perf_s -%}
      {%- do out.update({
            'value': 'case when n_nonfinite_p = 0 then ' ~ out.value ~ ' end',
            'reason': "case when n_nonfinite_p > 0 then " ~ s('n_nonfinite_p') ~ " || ' of ' || " ~ s('n_p')
                      ~ " || ' labelled rows have a NaN or infinite " ~ fam.nonfinite ~ ": " ~ metric ~ " undefined' else "
                      ~ out.reason ~ " end"}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if 'note' not in out -%}{%- do out.update({'note': "''"}) -%}{%- endif -%}
  {%- if 'empty_reason' not in out -%}{%- do out.update({'empty_reason': 'null'}) -%}{%- endif -%}
  {%- if 'facts' not in out -%}{%- do out.update({'facts': "''"}) -%}{%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- Everything the SQL builders need, checked: the metrics and what they need, the input columns,
    thresholds, the mode (plain, reference or challenger), the scope with the label-joined window,
    and the filters of the current and reference rows. Argument errors are raised here in the
    order a user reads the arguments. -#}
{% macro _perf_setup(test, relation, args, series=none) -%}
  {%- set a = args -%}
  {%- if a.problem is not none -%}
    {%- do ml_monitor._check_choice(test, relation, 'problem', a.problem, ['binary', 'regression', 'multiclass']) -%}
  {%- endif -%}
  {%- set multiclass = a.problem == 'multiclass' -%}
  {%- set registry = ml_monitor._perf_metric_registry(a.problem) -%}
  {%- if not multiclass -%}
    {%- for arg in ['score_columns', 'classes'] if a[arg] is not none -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'needs problem: multiclass', a[arg]) }}
    {%- endfor -%}
    {%- if a.per_class is not sameas false -%}
      {{ ml_monitor._arg_error(test, relation, 'per_class', 'needs problem: multiclass', a.per_class) }}
    {%- endif -%}
  {%- endif -%}
  {%- set metric = a.metric -%}
  {%- set score_column = a.score_column -%}
  {%- set prediction_column = a.prediction_column -%}
  {%- set decision_threshold = a.decision_threshold -%}

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
  {%- if kind is not none and a.problem in ['binary', 'regression'] and kind != ('classification' if a.problem == 'binary' else 'regression') -%}
    {{ ml_monitor._arg_error(test, relation, 'metric', 'must be ' ~ ('binary classification' if a.problem == 'binary' else 'regression') ~ ' metrics with problem: ' ~ a.problem, metric) }}
  {%- endif -%}
  {#- one min_value / max_value holds every metric of the list: a list that mixes higher- and
      lower-is-better metrics would hold log_loss to roc_auc's floor (a good log_loss fails, a
      bad one passes). max_drop and challenger_margin follow each metric's direction. -#}
  {%- set hi_names = [] -%}{%- set lo_names = [] -%}
  {%- for m in metrics -%}{%- do (hi_names if registry[m].higher else lo_names).append(m) -%}{%- endfor -%}
  {#- a bound that cannot bind the other direction's metrics is harmless (max_value: 15 over
      [mae, r2]: r2 <= 1; min_value <= 0 over [roc_auc, log_loss]: log_loss >= 0) -#}
  {%- if hi_names and lo_names -%}
    {%- for arg in ['min_value', 'max_value'] if a[arg] is number and a[arg] is not boolean
          and (arg == 'min_value' and a[arg] > 0 or arg == 'max_value' and a[arg] < 1) -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'is one bound for every metric of the list, which mixes higher-is-better ('
          ~ (hi_names | join(', ')) ~ ') and lower-is-better (' ~ (lo_names | join(', ')) ~ ') metrics: put them in two tests, or use max_drop,'
          ~ ' which follows each metric\'s direction', a[arg]) }}
    {%- endfor -%}
  {%- endif -%}
  {#- multiclass: classes, score columns and the per-class metrics (_perf_multiclass_setup.sql) -#}
  {%- set mc = ml_monitor._perf_multiclass_setup(test, relation, a, metrics, registry) if multiclass else none -%}
  {%- if mc is not none -%}
    {%- set metrics = mc.metrics -%}
    {%- set registry = mc.registry -%}
  {%- endif -%}
  {%- set inputs = [] -%}
  {%- set families = [] -%}
  {%- for m in metrics -%}{%- do inputs.append(registry[m].input) -%}{%- do families.append(registry[m].family) -%}{%- endfor -%}
  {%- set need_score = ('score' in inputs) or ('prob' in inputs) -%}
  {%- set need_pred = 'pred' in inputs -%}
  {%- if mc is not none -%}
    {#- the multiclass inputs are checked by _perf_multiclass_setup; none of the binary ones apply -#}
    {%- set need_score = false -%}
    {%- set need_pred = false -%}
    {%- set prediction_column = mc.prediction_column -%}
  {%- endif -%}

  {#- ---- columns: a test placed under a column monitors that column ---- -#}
  {%- if a.column_name is not none -%}
    {%- if need_score and score_column is none -%}{%- set score_column = a.column_name -%}
    {%- elif need_pred and prediction_column is none and decision_threshold is none -%}{%- set prediction_column = a.column_name -%}{%- endif -%}
  {%- endif -%}
  {#- each one column, kept in the relation's own spelling (_check_names) -#}
  {%- set spelt = {} -%}
  {%- for arg, v in [('score_column', score_column), ('prediction_column', prediction_column), ('challenger_score_column', a.challenger_score_column),
                      ('challenger_prediction_column', a.challenger_prediction_column), ('model_version_column', a.model_version_column)] -%}
    {%- set checked = ml_monitor._check_names(test, relation, arg, v) if v is not none else [] -%}
    {%- if v is not none and (checked | length) != 1 -%}
      {{ ml_monitor._arg_error(test, relation, arg, 'must be one column name', v) }}
    {%- endif -%}
    {%- do spelt.update({arg: checked[0] if checked else none}) -%}
  {%- endfor -%}
  {%- set score_column = spelt.score_column -%}
  {%- set prediction_column = spelt.prediction_column -%}
  {%- do a.update({'challenger_score_column': spelt.challenger_score_column, 'challenger_prediction_column': spelt.challenger_prediction_column,
                   'model_version_column': spelt.model_version_column}) -%}
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
  {%- set positive_label = a.positive_label -%}
  {%- if positive_label is none or positive_label is mapping or (positive_label is iterable and positive_label is not string) -%}
    {{ ml_monitor._arg_error(test, relation, 'positive_label', 'must be a single value (number, string or boolean)', positive_label) }}
  {%- endif -%}

  {#- ---- thresholds ---- -#}
  {%- do ml_monitor._check_number(test, relation, 'min_value', a.min_value) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_value', a.max_value) -%}
  {%- do ml_monitor._check_min_max(test, relation, 'min_value', a.min_value, 'max_value', a.max_value) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_coverage', a.min_coverage, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'bins', a.bins, required=true, min=1, max=1000, integer=true) -%}
  {%- do ml_monitor._check_bool(test, relation, 'paired', a.paired) -%}
  {%- set drop = ml_monitor._perf_bound(test, relation, 'max_drop', a.max_drop) -%}
  {%- set margin = ml_monitor._perf_bound(test, relation, 'challenger_margin', a.challenger_margin) -%}

  {#- ---- mode: plain, reference (baseline) or champion vs challenger ---- -#}
  {%- set has_ref = a.reference is not none or a.reference_where is not none or a.reference_window is not none -%}
  {%- set by_columns = a.challenger_score_column is not none or a.challenger_prediction_column is not none -%}
  {%- set by_version = a.model_version_column is not none -%}
  {%- if by_columns and by_version -%}
    {{ ml_monitor._arg_error(test, relation, 'model_version_column', 'must not be combined with challenger_score_column / challenger_prediction_column', a.model_version_column) }}
  {%- endif -%}
  {%- set mode = 'challenger' if (by_columns or by_version) else ('reference' if has_ref else 'plain') -%}
  {%- if mode == 'challenger' and (has_ref or drop is not none) -%}
    {{ ml_monitor._arg_error(test, relation, 'max_drop', 'and reference / reference_where / reference_window cannot be combined with a challenger: use a separate performance test', a.max_drop) }}
  {%- endif -%}
  {%- if drop is not none and not has_ref -%}
    {{ ml_monitor._arg_error(test, relation, 'max_drop', 'needs a reference: reference_window, reference_where or reference', a.max_drop) }}
  {%- endif -%}
  {%- if margin is not none and mode != 'challenger' -%}
    {{ ml_monitor._arg_error(test, relation, 'challenger_margin', 'needs challenger_score_column / challenger_prediction_column or model_version_column', a.challenger_margin) }}
  {%- endif -%}
  {%- if mode == 'challenger' and margin is none -%}{%- set margin = {'kind': 'absolute', 'amount': 0} -%}{%- endif -%}
  {%- if mode == 'challenger' and test == 'label_coverage' -%}
    {{ ml_monitor._arg_error(test, relation, 'challenger_score_column', 'is not an argument of label_coverage', a.challenger_score_column) }}
  {%- endif -%}
  {%- do ml_monitor._check_relation(test, relation, 'reference', a.reference) -%}
  {%- if a.reference_where is not none and a.reference_where is not string -%}
    {{ ml_monitor._arg_error(test, relation, 'reference_where', 'must be a SQL condition as a string', a.reference_where) }}
  {%- endif -%}

  {#- ---- rows: scope, label join, windows ---- -#}
  {%- set scope = ml_monitor._scope(test, relation, a.where, a.segment_by, none, none, a.min_rows) -%}
  {%- set lj = ml_monitor._label_join(test, relation, a.labels, a.join_key, a.label_column, a.label_join_key,
                                      a.label_timestamp_column, a.timestamp_column, a.label_delay) -%}
  {%- if mc is not none -%}
    {%- do ml_monitor._check_label_types(test, relation, a.labels, a.label_column, [mc.prediction_column], none, uses_positive=false) -%}
  {%- elif kind == 'classification' -%}
    {%- do ml_monitor._check_label_types(test, relation, a.labels, a.label_column,
          [prediction_column, a.challenger_prediction_column] if need_pred else [], positive_label,
          uses_positive=((metrics | reject('equalto', 'accuracy') | list | length) > 0 or decision_threshold is not none)) -%}
  {%- elif kind == 'regression' -%}
    {%- do ml_monitor._check_regression_types(test, relation, a.labels, a.label_column,
          [('prediction_column', prediction_column), ('challenger_prediction_column', a.challenger_prediction_column or a.challenger_score_column)]) -%}
  {%- endif -%}
  {%- set win = ml_monitor._label_join_window(test, relation, lj, a.window) -%}
  {%- if a.series_windows is not none and a.series_windows | length == 1 -%}
    {#- the one window given by the package (series_windows): its own bounds, which end at
        or before the label cutoff; several go through the series below -#}
    {%- set sw1 = a.series_windows[0] -%}
    {%- set win = {'conds': [lj.ts_sql ~ ' >= ' ~ sw1.start_sql, lj.ts_sql ~ ' < ' ~ sw1.end_sql],
                   'start': sw1.start, 'end': sw1.end} -%}
  {%- endif -%}
  {%- set sw = none -%}
  {%- if series is not none -%}
    {#- windows: N: the windows to evaluate, read in one scan (_perf_windows.sql) -#}
    {%- set sw = ml_monitor._perf_series_windows(test, relation, a, lj, series, scope.user_filter) -%}
    {%- set win = {'conds': [sw.range_sql], 'start': sw.todo[0].start, 'end': sw.todo[-1].end} -%}
    {%- do scope.update({'multi': true, 'windows': sw.todo, 'key_windows': sw.todo, 'fail_on': series.fail_on,
                         'anomaly': series.anomaly, 'n_windows': series.windows,
                         'window_facts_filter': scope.user_filter ~ ' and (' ~ sw.range_sql ~ ' or ' ~ lj.ts_sql ~ ' is null)'}) -%}
  {%- endif -%}
  {#- rows carry their window's key (mm_w) only when there are several to tell apart: a run that
      evaluates one window (the usual scheduled run) is the single-window SQL -#}
  {%- set multi = sw is not none and sw.todo | length > 1 -%}
  {%- set cur_filter = ([scope.user_filter] + win.conds) | join(' and ') -%}
  {%- do scope.update({'filter': cur_filter, 'window_start': win.start, 'window_end': win.end,
                       'window_start_sql': ml_monitor.timestamp_literal(win.start),
                       'window_end_sql': ml_monitor.timestamp_literal(win.end)}) -%}
  {%- set ref_conds = [] -%}
  {%- set ts_text = ml_monitor._perf_ts_text -%}
  {%- set ref_fact = none -%}
  {#- how the reference rows are named in texts (not the current window's bounds) -#}
  {%- set ref_ns = namespace(rw=none, text_sql=none, fact_sql=none, text=' in the reference' ~ ((' ' ~ a.reference) if a.reference is not none else '')
                                   ~ ((' where ' ~ a.reference_where) if a.reference_where is not none else '')) -%}
  {%- if has_ref -%}
    {%- set ref_fact = {'relation': (a.reference | string) if a.reference is not none else none, 'where': a.reference_where,
                        'window_start': none, 'window_end': none} -%}
    {%- if a.reference is none -%}
      {%- do ref_conds.append(scope.user_filter) -%}
      {%- if lj.ts_sql is not none -%}{%- do ref_conds.append(lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.cutoff)) -%}{%- endif -%}
    {%- endif -%}
    {%- if a.reference_where is not none and a.reference_where | trim != '' -%}{%- do ref_conds.append('(' ~ a.reference_where ~ ')') -%}{%- endif -%}
    {%- if a.reference_window is not none -%}
      {%- if win.start is none -%}
        {{ ml_monitor._arg_error(test, relation, 'reference_window', 'needs a window (the reference window is the one just before it)', a.reference_window) }}
      {%- endif -%}
      {%- set rspec = ml_monitor._check_period(test, relation, 'reference_window', a.reference_window) -%}
      {%- if multi -%}
        {#- the period before each evaluated window: its rows carry that window's mm_w -#}
        {%- set ref_ns.rw = ml_monitor._perf_reference_windows(sw.todo, rspec, lj.ts_sql, test, relation) -%}
        {%- do ref_conds.append(ref_ns.rw.range_sql) -%}
        {%- set texts, facts = {}, {} -%}
        {%- for r in ref_ns.rw.windows -%}
          {%- do texts.update({r.idx: ml_monitor.string_literal(' in the reference window [' ~ r.start ~ ', ' ~ r.end ~ ')')}) -%}
          {%- set f = {} -%}{%- do f.update(ref_fact) -%}
          {%- do f.update({'window_start': ts_text(r.start), 'window_end': ts_text(r.end)}) -%}
          {%- do facts.update({r.idx: ml_monitor.json_literal(f)}) -%}
        {%- endfor -%}
        {%- set ref_ns.text_sql = ml_monitor._perf_by_window('mm_w', texts) -%}
        {%- set ref_ns.fact_sql = ml_monitor._perf_by_window('{w}', facts) -%}
      {%- else -%}
      {%- set rstart = ml_monitor._subtract_period(win.start, rspec.period, rspec.count, test, relation, 'reference_window') -%}
      {%- set ref_ns.text = ' in the reference window [' ~ rstart ~ ', ' ~ win.start ~ ')' -%}
      {%- do ref_conds.append(lj.ts_sql ~ ' >= ' ~ ml_monitor.timestamp_literal(rstart)) -%}
      {%- do ref_conds.append(lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(win.start)) -%}
      {%- do ref_fact.update({'window_start': ts_text(rstart), 'window_end': ts_text(win.start)}) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {#- the window key of each side's rows (windows: N): the prediction's window; a fixed reference
      is evaluated once (-1) and compared with every window -#}
  {%- set cur_window = {'sql': sw.index_sql} if multi else none -%}
  {%- set ref_window = none -%}
  {%- if multi and has_ref -%}
    {%- if ref_ns.rw is not none and ref_ns.rw.frame_sql is not none -%}
      {%- set ref_window = {'frame': ref_ns.rw.frame_sql} -%}
    {%- elif ref_ns.rw is not none -%}
      {%- set ref_window = {'sql': ref_ns.rw.index_sql} -%}
    {%- else -%}
      {%- set ref_window = {'sql': '-1'} -%}
    {%- endif -%}
  {%- endif -%}
  {#- label_restrict: a windowed run dedups only the labels of its predictions' keys
      (_label_join_ctes). Texts of the evaluated windows: SQL (per window with windows: N); in reference_fact_sql,
      {w} stands for the row's window key (_perf_facts) -#}
  {%- set window_text = (' in [' ~ win.start ~ ', ' ~ win.end ~ ')') if win.start is not none else ((' before ' ~ win.end) if win.end is not none else '') -%}
  {%- if multi -%}
    {%- set wtexts = {} -%}
    {%- for w in sw.todo -%}{%- do wtexts.update({w.idx: ml_monitor.string_literal(' in [' ~ w.start ~ ', ' ~ w.end ~ ')')}) -%}{%- endfor -%}
    {%- set window_text_sql = ml_monitor._perf_by_window('mm_w', wtexts) -%}
  {%- else -%}
    {%- set window_text_sql = ml_monitor.string_literal(window_text) -%}
  {%- endif -%}

  {#- a reference relation is read with the current rows' columns: one missing there is a compile
      error naming the argument and the reference's columns, not an engine error at run time -#}
  {%- if a.reference is not none -%}
    {%- for arg, v in [('join_key', a.join_key), ('segment_by', a.segment_by), ('score_column', score_column),
                        ('prediction_column', prediction_column), ('score_columns', mc.score_names if mc is not none else none),
                        ('timestamp_column', a.timestamp_column if a.reference_window is not none else none)] if v -%}
      {%- do ml_monitor._check_columns_exist(test, relation, arg, [v] if v is string else v, a.reference, same_spelling=true) -%}
    {%- endfor -%}
  {%- endif -%}

  {#- (number, segment sql) per grouping set, the overall row first: see _perf_by_grouping -#}
  {%- set seg_sqls = scope.segments | map(attribute='sql') | list -%}
  {%- set seg_groups = [('0', none)] -%}
  {%- for c in seg_sqls -%}{%- do seg_groups.append((loop.index | string, c)) -%}{%- endfor -%}

  {{ return({
    'test': test, 'relation': relation, 'registry': registry,
    'metrics': metrics, 'families': families, 'kind': kind, 'mc': mc,
    'need_score': need_score, 'need_pred': need_pred,
    'score_column': score_column, 'prediction_column': prediction_column,
    'decision_threshold': decision_threshold, 'pos': ml_monitor._perf_literal(positive_label),
    'challenger_score_column': a.challenger_score_column, 'challenger_prediction_column': a.challenger_prediction_column,
    'model_version_column': a.model_version_column, 'champion_version': a.champion_version,
    'challenger_version': a.challenger_version, 'paired': a.paired,
    'min_value': a.min_value, 'max_value': a.max_value, 'min_coverage': a.min_coverage, 'bins': a.bins,
    'drop': drop, 'margin': margin, 'mode': mode, 'by_columns': by_columns, 'by_version': by_version,
    'scope': scope, 'lj': lj, 'win': win, 'cur_filter': cur_filter,
    'ref_relation': a.reference if a.reference is not none else relation,
    'ref_filter': (ref_conds | join(' and ')) if ref_conds else '1 = 1',
    'seg_sqls': seg_sqls, 'seg_groups': seg_groups,
    'reference_fact': ref_fact,
    'reference_fact_sql': ref_ns.fact_sql if ref_ns.fact_sql is not none else ml_monitor.json_literal(ref_fact),
    'multi': multi, 'cur_window': cur_window, 'ref_window': ref_window,
    'label_restrict': [{'relation': relation, 'filter': cur_filter}] if (win.start is not none and mode != 'reference') else none,
    'ref_fixed': multi and has_ref and ref_ns.rw is none,
    'window_text_sql': window_text_sql,
    'ref_window_text_sql': ref_ns.text_sql if ref_ns.text_sql is not none else ml_monitor.string_literal(ref_ns.text),
    'challenger_fact': ({'score_column': a.challenger_score_column, 'prediction_column': a.challenger_prediction_column,
                         'version_column': a.model_version_column, 'champion_version': a.champion_version,
                         'challenger_version': a.challenger_version} if mode == 'challenger' else none),
    'ref_window_text': ref_ns.text,
    'window_text': window_text,
  }) }}
{%- endmacro %}
