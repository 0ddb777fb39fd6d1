{#- Distinct values per column (bounded by min_distinct / max_distinct) and, with a
    reference, how many distinct current values the reference never had.

    {{ ml_monitor.cardinality(ref('predictions'), ['device'], reference=ref('training_set')) }}
-#}
{% macro cardinality(relation, columns, min_distinct=none, max_distinct=none, reference=none,
                     reference_where=none, max_new_categories=0, where=none, segment_by=none,
                     timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none,
                   test='cardinality') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly) -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_distinct', min_distinct, min=0, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_distinct', max_distinct, min=0, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_new_categories', max_new_categories, required=true, min=0, integer=true) -%}
  {%- do ml_monitor._check_relation(test, relation, 'reference', reference) -%}
  {%- if reference_where is not none and reference_where is not string -%}
    {%- do ml_monitor._arg_error(test, relation, 'reference_where', 'must be a SQL condition as a string', reference_where) -%}
  {%- endif -%}
  {%- set ref_relation = reference if reference is not none else (relation if reference_where is not none else none) -%}
  {#- the reference relation is read with the monitored columns: missing there is a compile error -#}
  {%- if reference is not none -%}
    {%- do ml_monitor._check_columns_exist(test, relation, 'columns', names, reference, same_spelling=true) -%}
  {%- endif -%}
  {%- if ref_relation is none and min_distinct is none and max_distinct is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'min_distinct', "or 'max_distinct' or 'reference' is required", 'none of them') -%}
  {%- endif -%}
  {%- if min_distinct is not none and max_distinct is not none and min_distinct > max_distinct -%}
    {%- do ml_monitor._arg_error(test, relation, 'min_distinct', 'must not be greater than max_distinct ' ~ max_distinct, min_distinct) -%}
  {%- endif -%}
  {%- set cols = ml_monitor._column_specs(names) -%}
  {#- numeric categories compare by value (1 and 1.0 are one category): as doubles when either
      side is a non-integer number -#}
  {%- if ref_relation is not none -%}
    {%- set cur_cols = ml_monitor._known_columns(relation) or {} -%}
    {%- set ref_cols = ml_monitor._known_columns(ref_relation) or {} -%}
    {%- for c in cols -%}
      {%- if cur_cols.get(c.name | lower) is not none and ref_cols.get(c.name | lower) is not none -%}
        {%- do ml_monitor._check_category_types(test, relation, 'columns', c.name, cur_cols.get(c.name | lower).dtype, ref_cols.get(c.name | lower).dtype) -%}
      {%- endif -%}
      {%- set types = [cur_cols.get(c.name | lower), ref_cols.get(c.name | lower)] | reject('none') | map(attribute='dtype') | map('lower') | list -%}
      {%- set families = types | map('string') | map('trim') | list -%}
      {%- set kinds = [] -%}
      {%- for t in families -%}{%- do kinds.append(ml_monitor.type_family(t)) -%}{%- endfor -%}
      {%- do c.update({'by_value': (kinds | length == 2) and (kinds | reject('in', ['integer', 'float', 'decimal']) | list | length == 0)
                                   and (kinds | reject('equalto', 'integer') | list | length > 0)}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set distinct_bound = max_distinct if max_distinct is not none else min_distinct -%}

with source as (
  select {{ ml_monitor._select_list(scope, cols | map(attribute='sql') | list) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),
{%- if ref_relation is not none %}
{%- for c in cols %}

-- the reference's categories of {{ c.name }}, as text (a null group when it has nulls)
reference_values_{{ loop.index }} as (
  select {{ ml_monitor._category_text(c.sql, c.by_value) }} as category
  from {{ ref_relation }}
  {%- if reference_where is not none %}
  where ({{ reference_where }})
  {%- endif %}
  group by {{ ml_monitor._category_text(c.sql, c.by_value) }}
),
-- whether the reference has rows and non-null values of {{ c.name }} at all
reference_size_{{ loop.index }} as (
  select count(*) as ref_groups, count(category) as ref_categories
  from reference_values_{{ loop.index }}
),
{%- endfor %}

-- a current value is new when the reference lookup finds nothing
flagged as (
  select
    source.*
    {%- for c in cols %},
    case when source.{{ c.sql }} is not null and reference_values_{{ loop.index }}.category is null
         then {{ ml_monitor._category_text('source.' ~ c.sql, c.by_value) }} end as new_value_{{ loop.index }}
    {%- endfor %}
  from source
  {%- for c in cols %}
  left join reference_values_{{ loop.index }}
    on {{ ml_monitor._category_text('source.' ~ c.sql, c.by_value) }} = reference_values_{{ loop.index }}.category
  {%- endfor %}
),
{%- endif %}

aggregated_rows as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
    {%- for c in cols %},
    count({{ c.sql }}) as n_values_{{ loop.index }},
    count(distinct {{ c.sql }}) as n_distinct_{{ loop.index }}
    {%- if ref_relation is not none %},
    count(distinct new_value_{{ loop.index }}) as n_new_{{ loop.index }},
    min(new_value_{{ loop.index }}) as example_new_{{ loop.index }}
    {%- endif %}
    {%- endfor %}
  from {{ 'flagged' if ref_relation is not none else 'source' }}
  {{ ml_monitor._group_by_segments(scope) }}
),

{{ ml_monitor._complete_windows(scope, 'aggregated_rows') }},

long as (
  {%- set parts = [] %}
  {%- for c in cols %}
  {%- set i = loop.index %}
  {%- if min_distinct is not none or max_distinct is not none %}
  {%- set distinct_fail -%}
    {%- if min_distinct is not none %}n_distinct_{{ i }} < {{ min_distinct }}{% endif -%}
    {%- if min_distinct is not none and max_distinct is not none %} or {% endif -%}
    {%- if max_distinct is not none %}n_distinct_{{ i }} > {{ max_distinct }}{% endif -%}
  {%- endset %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_distinct_' ~ i) }} || ' distinct values (allowed {{ min_distinct if min_distinct is not none else 0 }} to {{ max_distinct if max_distinct is not none else "any" }})'
  {%- endset %}
  {#- a window (or segment) whose values are all null has no categories to count: no_data, as
      value_range and new_categories (it passed max_distinct with "0 distinct values") -#}
  {%- set part -%}
  select
    {{ ml_monitor._long_row(scope, c.name, 'distinct_count', value='case when n_values_' ~ i ~ ' > 0 then ' ~ ml_monitor.to_double('n_distinct_' ~ i) ~ ' end',
         threshold=distinct_bound, sample_size='n_rows', is_fail='(' ~ distinct_fail ~ ')', detail=detail,
         undefined_reason="case when n_rows > 0 and n_values_" ~ i ~ " = 0 then 'all values are null' end") }}
  from aggregated
  {%- endset %}
  {%- do parts.append(part) %}
  {%- endif %}
  {%- if ref_relation is not none %}
  {%- set detail -%}
    {{ ml_monitor._count_text('n_new_' ~ i, 'category', 'categories') }} || ' not in the reference'
      || case when n_new_{{ i }} > 0 then {{ ml_monitor.string_literal(", e.g. '") }} || example_new_{{ i }} || {{ ml_monitor.string_literal("'") }} else '' end
  {%- endset %}
  {%- set part -%}
  {#- undefined: an empty reference (or one whose values are all null: every category would be
      new), or a window whose values are all null (nothing to compare) -#}
  {%- set undefined -%}
    case when ref_groups = 0 then 'no reference rows'
         when ref_categories = 0 then 'no reference values (all null)'
         when n_rows > 0 and n_values_{{ i }} = 0 then 'all values are null' end
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, c.name, 'new_categories',
         value='case when ref_categories > 0 and n_values_' ~ i ~ ' > 0 then ' ~ ml_monitor.to_double('n_new_' ~ i) ~ ' end',
         threshold=max_new_categories, sample_size='n_rows',
         is_fail='coalesce(ref_categories > 0 and n_values_' ~ i ~ ' > 0 and n_new_' ~ i ~ ' > ' ~ max_new_categories ~ ', false)',
         detail=detail, undefined_reason=undefined) }}
  from aggregated
  cross join reference_size_{{ i }}
  {%- endset %}
  {%- do parts.append(part) %}
  {%- endif %}
  {%- endfor %}
  {{ parts | join('\n  union all\n  ') }}
)

{{ ml_monitor._finalize_observations('cardinality', 'long', scope) }}
{%- endmacro %}

{#- A category as text; by value (through a double) when numeric types differ between the sides. -#}
{% macro _category_text(expr, by_value=false) -%}
  {{ return(ml_monitor.to_string(ml_monitor.to_double_unsigned_zero(expr) if by_value else expr)) }}
{%- endmacro %}
