-- The current rows with cat_num as a double (1.0, 2.0, ...), against drift_reference's integers:
-- numeric categories must compare by value (case psi_numeric_categories).
select sample_name, cast(cat_num as {{ ml_monitor.type_double() }}) as cat_num
from {{ ref('drift_main') }}
where sample_name = 'cur'
