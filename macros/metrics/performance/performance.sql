{#- Model performance on labelled predictions, overall and per segment, with late labels.

    {{ ml_monitor.performance(ref('predictions'), metric='roc_auc',
         labels=ref('labels'), join_key='id', label_column='label', label_timestamp_column='label_ts',
         timestamp_column='prediction_ts', label_delay={'period': 'day', 'count': 7},
         window={'period': 'day', 'count': 14}, score_column='score', segment_by=['region'],
         min_value=0.75) }}

    Keyword arguments: see _perf_arguments() in _perf_setup.sql (declared once, with defaults).
    Observation rows: one per (arm, segment, metric), plus a `label_coverage` row per segment.
    Arms: 'a' is the evaluated model (or the champion); 'b' is the reference window (max_drop)
    or the challenger (challenger_* / model_version_column). See docs/model-performance.md.

    The SQL is composed from named steps, one file each in this folder:
      _perf_setup        arguments checked, metrics, mode, scope and filters -> dict `p`
      _perf_windows      windows: N: the windows of the series, their key mm_w in the one scan
      _perf_arms         the row sets evaluated side by side and their per-row SQL
      _perf_scan         source rows, per-arm scored rows, the one aggregate scan (mm_agg)
      _perf_<family>_metrics   per metric family (threshold, rank, prob, regression): its
                               metrics, their value SQL and the CTE parts they need
      _perf_values       one row per (arm, segment, metric) with value and reason
      _perf_observations thresholds, baselines, detail text, final observation rows
    Adding a metric: its entry in the family's registry and its value SQL, both in the family file. -#}
{% macro performance(relation, test='performance') -%}
  {%- set args = ml_monitor._perf_args(test, relation, kwargs) -%}
  {#- windows: N -> every window of the series in the same scan, grouped by window (_perf_windows.sql) -#}
  {%- set given = args.series_windows -%}
  {%- set anomaly_cfg = ml_monitor._anomaly_config(test, relation, args.anomaly, args.window, args.windows, args.timestamp_column) if given is none else none -%}
  {%- if anomaly_cfg is not none and args.windows is none -%}{%- do args.update({'windows': anomaly_cfg.windows_needed}) -%}{%- endif -%}
  {%- set ns = namespace(series=none) -%}
  {%- if given is not none and given | length > 1 -%}
    {#- windows given by the package (estimated_performance's realized rows): one scan, grouped by window -#}
    {%- set ns.series = {'windows': given | length, 'fail_on': 'any', 'anomaly': none, 'given': given} -%}
  {%- elif given is none and (args.windows is not none or (args.window is not none and args.timestamp_column is not none)) -%}
    {#- one window (windows: 1, the default) is read the way a series is, like the data-quality
        monitors: predictions with a NULL timestamp are counted and said in detail, not dropped
        silently; the SQL is the single-window SQL (no window key) -#}
    {%- set series = ml_monitor._check_windows(test, relation, args.windows, args.fail_on, args.window, args.timestamp_column) -%}
    {%- do series.update({'anomaly': anomaly_cfg}) -%}
    {%- set ns.series = series -%}
  {%- endif -%}
  {%- set p = ml_monitor._perf_setup(test, relation, args, ns.series) -%}
  {%- set arms = ml_monitor._perf_arms(p) -%}
  {%- set parts = {'pre_ctes': '', 'agg_src': none, 'aggregates': '', 'agg_names': [], 'ctes': '', 'columns': '', 'joins': ''} -%}
  {%- for fam in ml_monitor._perf_families() -%}
    {%- set fp = fam.parts(p, arms) -%}
    {%- for key in ['pre_ctes', 'aggregates', 'ctes', 'columns', 'joins'] -%}
      {%- do parts.update({key: parts[key] ~ fp.get(key, '')}) -%}
    {%- endfor -%}
    {%- do parts.update({'agg_names': parts.agg_names + fp.get('agg_names', [])}) -%}
    {%- if fp.get('agg_src') -%}{%- do parts.update({'agg_src': fp.agg_src}) -%}{%- endif -%}
  {%- endfor %}

with
{{ ml_monitor._label_join_ctes(p.lj, p.label_restrict) }}
{{ ml_monitor._perf_window_facts_cte(p) }}
{{ ml_monitor._perf_scan_ctes(p, arms, parts) }}
{{- parts.ctes }}
{{ ml_monitor._perf_values_ctes(p, arms, parts) }}
{{ ml_monitor._perf_observations(p, arms) }}
{%- endmacro %}
