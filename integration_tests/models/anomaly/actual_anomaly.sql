-- `anomaly:` on volume, null_rate and freshness, one case per call (scripts/gen_anomaly.py names
-- what each shows): the anomaly rows of actual_anomaly_part1..3, compared with
-- seeds/expected/expected_anomaly.csv (numpy / pandas).
{%- for n in [1, 2, 3] %}
select * from {{ ref('actual_anomaly_part' ~ n) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
