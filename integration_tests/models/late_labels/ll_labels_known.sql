{#- The label table as it was at the run's evaluation time (var ml_monitor_as_of): labels
    stamped later have not arrived yet. Two runs with a later as_of see late labels appear. -#}
select id, label, label_ts
from {{ ref('ll_labels') }}
where label_ts <= {{ ml_monitor.timestamp_literal(ml_monitor.as_of()) }}
