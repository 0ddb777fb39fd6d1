{#- Test scaffolding: freezes baseline 'drift_v1' of drift_main (reference rows = drift_reference)
    in a post-hook, so that actual_drift can read it. In a real project freezing is an explicit
    `dbt run-operation ml_monitor.freeze_baseline --args '{...}'`, not part of every build.
    Freezing replaces a name's rows and keeps the others', on every engine (Spark's parquet
    tables have no DELETE: a staging table overwrites the table there): 'drift_keep' is frozen
    first and must survive; 'drift_v1' is frozen first from the wrong rows (the current window,
    one column), then again from the reference: a left-over row of the first freeze would change
    the numbers of actual_drift_edge's baseline cases. drift_v1 and drift_pred_t also hold the
    reference positive rate (positive_rate) that prediction_drift's baseline cases compare with. -#}
-- depends_on: {{ ref('drift_main') }}
-- depends_on: {{ ref('drift_reference') }}
-- depends_on: {{ ref('ml_monitor', 'ml_monitor_baselines') }}
{{ config(
    materialized='table',
    post_hook=[
      "{{ ml_monitor.freeze_baseline('drift_keep', 'drift_main', ['f_shift'], reference='drift_reference') }}",
      "{{ ml_monitor.freeze_baseline('drift_v1', 'drift_main', ['f_shift'], reference='drift_main', reference_where=\"sample_name = 'cur'\", bins=4) }}",
      "{{ ml_monitor.freeze_baseline('drift_v1', 'drift_main', ['f_shift', 'cat', 'score'], reference='drift_reference', segment_by=['seg'], positive_rate={'prediction_column': 'pred'}) }}",
      "{{ ml_monitor.freeze_baseline('drift_pred_t', 'drift_main', ['score'], reference='drift_reference', positive_rate={'score_column': 'score', 'score_threshold': 0.6}) }}"
    ]
) }}
select 'drift_v1' as baseline_name
