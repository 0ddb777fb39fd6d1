-- MixedCase as a double (1.0, 2.0, ...), against dq_input's integers: numeric categories must
-- compare by value (case cardinality_numeric_types).
select cast({{ adapter.quote('MixedCase') }} as {{ ml_monitor.type_double() }}) as {{ adapter.quote('MixedCase') }}
from {{ ref('dq_input') }}
