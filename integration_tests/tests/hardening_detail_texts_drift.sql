-- Detail texts the docs promise (issue #13, item 8). Every returned row is a failure.
{%- set edges = [(1700000000000.0, '1700000000000'), (-2500000.5, '-2500000.5'), (1234567.891, '1234567.89'),
                 (0.123456789, '0.123457'), (12.5, '12.5')] %}
{%- set bad_edges = [] %}
{%- for x, want in edges %}
  {%- if ml_monitor._edge_text(x) != want %}{% do bad_edges.append(x ~ ' -> ' ~ ml_monitor._edge_text(x)) %}{% endif %}
{%- endfor %}
-- bin edges are written out, never as 1.7e+12
select 'edge text' as what, {{ ml_monitor.string_literal(bad_edges | join('; ')) }} as detail
from {{ ref('actual_drift') }}
where {{ 'true' if bad_edges else 'false' }}
union all
-- drift on an empty current window: the documented 'no rows ...', not 'no usable current values'
select 'empty current window' as what, detail
from {{ ref('actual_drift') }}
where case_name = 'empty_current' and (detail is null or detail not like 'no rows%')
