{#- Training–serving skew: the features logged at serving time (the monitored relation, e.g. the
    prediction log) joined on an entity key to the same features recomputed offline (a feature
    table or the training set), all features in one join.

    Rules (docs/production-failures.md):
    - Each side is first reduced to one row per key (count(*) per key). A key with several rows
      on either side is ambiguous (which value was served?): it is counted in duplicate_key_rate
      and left out of the comparison, so duplicates never fan out the join.
    - NULL vs NULL is a match, NULL vs a value a mismatch. Rows with a NULL key are not read.
    - NaN and +/-inf match only themselves (NaN vs NaN like NULL vs NULL), whatever the tolerance;
      mean_abs_diff leaves them out (counted in its detail).
    - Categorical features are compared exactly, as text. Numeric features match when
      |serving - offline| <= max(abs_tolerance, rel_tolerance * |offline|).
    - Segments and windows apply to the serving log (a key's segment: its max value there);
      `offline_where` filters the offline side.

    Metrics: per feature mismatch_rate (keys present once on both sides) and, for numerics,
    mean_abs_diff (keys with both values finite); per key set (column_name = the key columns)
    missing_offline_rate and duplicate_key_rate (of the serving keys) and, on the overall row
    only and without windows: N, missing_serving_rate (offline keys never logged at serving).

    Named steps (one file each in this folder):
      _skew_setup.sql     arguments, columns and kinds of both sides -> a dict
      _skew_join.sql      one row per key on each side, the one join, per-key mismatches, the aggregate
      _skew_examples.sql  the worst mismatching keys per feature and segment, for detail
      _skew_rows.sql      the observation rows (unpivot)

    {{ ml_monitor.feature_skew(ref('serving_log'), offline=ref('training_set'), entity_key='id',
                               features=['income', 'channel'], rel_tolerance=0.001, max_mismatch_rate=0.01) }}
-#}
{% macro feature_skew(relation, offline, entity_key, features, event_time_key=none, kind=none,
                      abs_tolerance=0, rel_tolerance=0, max_mismatch_rate=none, max_mean_abs_diff=none,
                      max_missing_offline_rate=none, max_missing_serving_rate=none, max_duplicate_key_rate=none,
                      offline_where=none, n_examples=3, where=none, segment_by=none, timestamp_column=none,
                      window=none, min_rows=none, windows=none, fail_on=none, test='feature_skew') -%}
  {%- set skew = ml_monitor._skew_setup(test, relation, {
        'offline': offline, 'entity_key': entity_key, 'features': features, 'event_time_key': event_time_key,
        'kind': kind, 'abs_tolerance': abs_tolerance, 'rel_tolerance': rel_tolerance,
        'max_mismatch_rate': max_mismatch_rate, 'max_mean_abs_diff': max_mean_abs_diff,
        'max_missing_offline_rate': max_missing_offline_rate, 'max_missing_serving_rate': max_missing_serving_rate,
        'max_duplicate_key_rate': max_duplicate_key_rate, 'offline_where': offline_where, 'n_examples': n_examples,
        'where': where, 'segment_by': segment_by, 'timestamp_column': timestamp_column, 'window': window,
        'min_rows': min_rows, 'windows': windows, 'fail_on': fail_on}) -%}
  {#- columns need the warehouse: nothing more to build while dbt parses -#}
  {%- if skew is none -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}

with {{ ml_monitor._skew_join_ctes(skew) }},

{%- if skew.n_examples > 0 %}

{{ ml_monitor._skew_example_ctes(skew) }},
{%- endif %}

{{ ml_monitor._skew_long_cte(skew) }}

{{ ml_monitor._finalize_observations('feature_skew', 'long', skew.scope) }}
{%- endmacro %}
