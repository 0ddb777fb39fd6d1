{#- Test scaffolding: freezes baseline 'drift_v1' of drift_main (reference rows = drift_reference)
    in a post-hook, so that actual_drift can read it. In a real project freezing is an explicit
    `dbt run-operation ml_monitor.freeze_baseline --args '{...}'`, not part of every build. -#}
-- depends_on: {{ ref('drift_main') }}
-- depends_on: {{ ref('drift_reference') }}
-- depends_on: {{ ref('ml_monitor', 'ml_monitor_baselines') }}
{#- Spark's default table format has no DELETE, so baselines need Delta there (README); on
    Spark this project reads the reference directly instead (actual_drift_edge.sql). -#}
{{ config(
    materialized='table',
    post_hook="{{ ml_monitor.freeze_baseline('drift_v1', 'drift_main', ['f_shift', 'cat'], reference='drift_reference', segment_by=['seg']) if target.type not in ['spark'] else '' }}"
) }}
select 'drift_v1' as baseline_name
