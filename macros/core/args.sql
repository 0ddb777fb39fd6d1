{#- Argument checking shared by every monitor. Errors name the monitor, the model
    and the argument, and say what was expected. -#}

{#- `got` is shown as "(got 0.1)", or, when a string stands where a number or a boolean was
    expected (got_string=true), as ", got the string '0.1'" (YAML "0.1" reads like a number). -#}
{% macro _arg_error(test, relation, arg, expected, got, got_string=false) -%}
  {%- set where = (" on " ~ relation) if relation is not none else "" -%}
  {%- set got_text = (", got the string '" ~ got ~ "'") if (got_string and got is string) else (" (got " ~ (got | string) ~ ")") -%}
  {{ exceptions.raise_compiler_error(
      "ml_monitor." ~ test ~ where ~ ": argument '" ~ arg ~ "' " ~ expected ~ got_text) }}
{%- endmacro %}

{#- A number (not a boolean), optionally bounded; none is allowed unless required. -#}
{% macro _check_number(test, relation, arg, value, required=false, min=none, max=none, integer=false) -%}
  {%- if value is none -%}
    {%- if required -%}{{ ml_monitor._arg_error(test, relation, arg, "is required", "nothing") }}{%- endif -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set kind = "a whole number" if integer else "a number" -%}
  {%- if value is boolean or value is not number or (integer and value is not integer) -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be " ~ kind, value, got_string=true) }}
  {%- endif -%}
  {%- if min is not none and value < min -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be " ~ kind ~ " >= " ~ min, value) }}
  {%- endif -%}
  {%- if max is not none and value > max -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be " ~ kind ~ " <= " ~ max, value) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{#- true or false (YAML's booleans), never a string: "false" is truthy in Jinja and would mean
    true. none is allowed when not required (the argument's default applies). -#}
{% macro _check_bool(test, relation, arg, value, required=true) -%}
  {%- if value is none and not required -%}{{ return(none) }}{%- endif -%}
  {%- if value is not boolean -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be true or false", value, got_string=true) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{#- A lower and an upper bound given together must not cross (min_count 10 with max_count 1
    would fail every window): a compile error naming the lower one. -#}
{% macro _check_min_max(test, relation, min_arg, min_value, max_arg, max_value) -%}
  {%- if min_value is number and max_value is number and min_value is not boolean and max_value is not boolean
         and min_value > max_value -%}
    {{ ml_monitor._arg_error(test, relation, min_arg, 'must not be greater than ' ~ max_arg ~ ' ' ~ max_value, min_value) }}
  {%- endif -%}
{%- endmacro %}

{% macro _check_choice(test, relation, arg, value, choices) -%}
  {%- if value not in choices -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be one of " ~ (choices | join(", ")), value) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{#- A string or a list of strings -> list of strings (possibly empty when not required).
    The names must be columns of `exists_in` (default: the monitored relation) when its
    columns are known (at execution; a relation that does not exist yet is not checked). -#}
{% macro _check_names(test, relation, arg, value, required=false, exists_in=none) -%}
  {%- if value is none or value == [] -%}
    {%- if required -%}{{ ml_monitor._arg_error(test, relation, arg, "is required: a column name or a list of column names", "nothing") }}{%- endif -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set names = [value] if value is string else value -%}
  {%- if names is mapping or names is not iterable -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be a column name or a list of column names", value) }}
  {%- endif -%}
  {%- for n in names -%}
    {%- if n is not string or n | trim == "" -%}
      {{ ml_monitor._arg_error(test, relation, arg, "must contain only non-empty column names", value) }}
    {%- endif -%}
  {%- endfor -%}
  {%- do ml_monitor._check_unique_names(test, relation, arg, names) -%}
  {%- if exists_in is none -%}{%- do ml_monitor._check_reserved_names(test, relation, arg, names) -%}{%- endif -%}
  {%- do ml_monitor._check_columns_exist(test, relation, arg, names, exists_in if exists_in is not none else relation) -%}
  {#- the relation's own spelling ("Region" for region): the SQL quotes every name, and a quoted
      name is case-sensitive on PostgreSQL and Snowflake -#}
  {{ return(ml_monitor._actual_column_names(exists_in if exists_in is not none else relation, names)) }}
{%- endmacro %}

{#- The columns a scan of the monitored relation adds beside the user's own (_select_list: the
    timestamp as a UTC instant and the window key). A user column of the same name read in that
    scan is ambiguous to the engine: the wrong value in the window key (every window no_data), or
    a conversion error. Refused by name, whatever the case. -#}
{% macro _reserved_column_names() %}{{ return(['ml_ts', 'ml_window_start']) }}{% endmacro %}
{% macro _check_reserved_names(test, relation, arg, names) -%}
  {%- set reserved = ml_monitor._reserved_column_names() -%}
  {%- for n in names if (ml_monitor.unquoted(n) | lower) in reserved -%}
    {{ ml_monitor._arg_error(test, relation, arg, "names column " ~ ml_monitor.unquoted(n) ~ ", a name ml_monitor gives its own columns ("
        ~ (reserved | join(', ')) ~ ") in the scan of the monitored relation: monitor a view that renames it", n) }}
  {%- endfor -%}
{%- endmacro %}

{#- A column named twice (`[x, x]`, or `[x, X]`: names are matched to a relation's columns without
    regard to case, so both name one column) would be evaluated twice: duplicate rows in the
    history, or one column as two series. -#}
{% macro _check_unique_names(test, relation, arg, names) -%}
  {%- set seen = {} -%}
  {%- for n in names -%}
    {%- set key = ml_monitor.unquoted(n) | lower -%}
    {%- if key in seen -%}
      {{ ml_monitor._arg_error(test, relation, arg, "names column " ~ ml_monitor.unquoted(n)
          ~ (" twice" if seen[key] == ml_monitor.unquoted(n) else " twice (as " ~ seen[key] ~ " and " ~ ml_monitor.unquoted(n) ~ "; column names are matched without regard to case)"),
          names | join(', ')) }}
    {%- endif -%}
    {%- do seen.update({key: ml_monitor.unquoted(n)}) -%}
  {%- endfor -%}
{%- endmacro %}

{#- The columns of a relation as {lowercase name: {'name', 'dtype', 'spellings'}}, or none when
    they cannot be known: at parse time, for something that is not a relation (a subquery), or
    for a relation that does not exist yet (dbt compile before the first build). A relation
    rendered as text (drift tests undo dbt's `where` wrapper to it) is read as that relation. -#}
{% macro _known_columns(relation) -%}
  {%- if execute and relation is string -%}{%- set relation = ml_monitor._plain_relation(relation) -%}{%- endif -%}
  {%- if not execute or relation is none or relation is string or relation.identifier is not defined -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set found = {} -%}
  {%- for c in adapter.get_columns_in_relation(relation) -%}
    {%- set info = {'name': c.name | string, 'dtype': (c.dtype | string)} -%}
    {%- set key = c.name | string | lower -%}
    {#- columns that differ only in case (PostgreSQL's "a" and "A"): the first one, with every
        spelling in 'spellings' (_column_info picks the exact one) -#}
    {%- if key in found -%}
      {%- do found[key].spellings.append(info) -%}
    {%- else -%}
      {%- do found.update({key: {'name': info.name, 'dtype': info.dtype, 'spellings': [info]}}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found if found else none) }}
{%- endmacro %}

{#- A time argument (timestamp_column, label_timestamp_column) must name a timestamp or date
    column: text or epoch numbers compared with the window literals are a raw engine error at run
    time (DuckDB Binder Error, PostgreSQL "operator does not exist: text >= timestamp"), and so is
    a time of day (`time`, `timetz`: no date). Checked when the type is known. The advice names
    both casts: cast(text as timestamp) drops a UTC offset on DuckDB and PostgreSQL
    ('2026-03-09 05:30:00+05:30' becomes 05:30, five and a half hours late), so text with an
    offset needs a time-zone-aware cast. -#}
{% macro _check_time_column(test, relation, arg, name, in_relation=none) -%}
  {%- set info = ml_monitor._column_info(in_relation if in_relation is not none else relation, name) -%}
  {%- set t = (info.dtype | lower) if info is not none else '' -%}
  {%- if info is not none and 'timestamp' not in t and 'date' not in t -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must name a timestamp or date column; " ~ info.name ~ " is "
        ~ info.dtype ~ " (cast it in a view: text of UTC wall-clock time as cast(" ~ info.name ~ " as timestamp); "
        ~ "text with a UTC offset such as +05:30 or Z as cast(" ~ info.name ~ " as " ~ ml_monitor._tz_type_name()
        ~ "), since a cast to timestamp drops the offset)", ml_monitor.unquoted(name)) }}
  {%- endif -%}
{%- endmacro %}

{#- Columns named by `arg` must be numeric: a numeric bound compared with text is a raw engine
    error at run time (DuckDB "Cannot compare VARCHAR and INTEGER_LITERAL"). A compile error naming
    the column and its type, when the types can be read. -#}
{% macro _check_numeric_columns(test, relation, arg, names) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set cols = {} -%}
  {%- for c in ml_monitor._relation_columns(relation) -%}{%- do cols.update({(c.name | string | lower): c}) -%}{%- endfor -%}
  {%- for n in names -%}
    {%- set col = cols.get(ml_monitor.unquoted(n) | lower) -%}
    {%- if col is not none and not ml_monitor._is_numeric_type(col.dtype) -%}
      {{ ml_monitor._arg_error(test, relation, arg, "must name numeric columns; " ~ ml_monitor.unquoted(n) ~ " is " ~ col.dtype
          ~ " (cast it in a view, e.g. cast(" ~ ml_monitor.unquoted(n) ~ " as "
          ~ ('integer' if (col.dtype | string | lower).startswith('bool') else ml_monitor.type_double()) ~ "))", names | join(', ')) }}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- One column's {'name', 'dtype'}, or none: the column spelt exactly as `name` (without its
    quotes), else the one column whose name differs only in case. `name` is the relation's own
    spelling, the one the SQL must use (a quoted identifier is case-sensitive on PostgreSQL and
    Snowflake). Two columns differing only in case and neither spelt as `name`: the first
    (_check_columns_exist makes that a compile error first). -#}
{% macro _column_info(relation, name, columns=none) -%}
  {%- set cols = columns if columns is not none else ml_monitor._known_columns(relation) -%}
  {%- if cols is none -%}{{ return(none) }}{%- endif -%}
  {%- set entry = cols.get(ml_monitor.unquoted(name) | lower) -%}
  {%- if entry is none -%}{{ return(none) }}{%- endif -%}
  {%- for s in entry.spellings if s.name == ml_monitor.unquoted(name) -%}{{ return(s) }}{%- endfor -%}
  {{ return(entry.spellings[0]) }}
{%- endmacro %}

{#- Column names as the relation spells them (see _column_info), unquoted; a name the relation's
    columns cannot be read for (parse time, a relation not built yet, a subquery) or does not
    have is returned as written (without its quotes). -#}
{% macro _actual_column_names(relation, names) -%}
  {%- set cols = ml_monitor._known_columns(relation) -%}
  {%- set out = [] -%}
  {%- for n in names -%}
    {%- set info = ml_monitor._column_info(relation, n, cols) if cols is not none else none -%}
    {%- do out.append(info.name if info is not none else ml_monitor.unquoted(n)) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- Key columns that join two relations must be of one kind (numbers, text, times, booleans):
    a bigint key against a varchar one was a run-time engine error on PostgreSQL ("operator does
    not exist: bigint = character varying") and on DuckDB (coalesce of BIGINT and VARCHAR), or an
    implicit cast of every key where the engine allows it. Checked when both types are known;
    numbers of different widths (int, bigint, decimal, double) and dates against timestamps join. -#}
{% macro _check_join_kinds(test, relation, arg, name, left_relation, left_side, right_relation, right_side) -%}
  {%- set l = ml_monitor._column_info(left_relation, name) -%}
  {%- set r = ml_monitor._column_info(right_relation, name) -%}
  {%- if l is none or r is none -%}{{ return(none) }}{%- endif -%}
  {%- set lk, rk = ml_monitor._join_kind(l.dtype), ml_monitor._join_kind(r.dtype) -%}
  {%- if lk is not none and rk is not none and lk != rk -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must name key columns of the same kind on both sides; '" ~ l.name ~ "' is "
        ~ l.dtype ~ " in the " ~ left_side ~ " and " ~ r.dtype ~ " in the " ~ right_side ~ " (cast one side in a view, e.g. cast("
        ~ ml_monitor.quote_column(r.name) ~ " as " ~ l.dtype ~ "))", ml_monitor.unquoted(name)) }}
  {%- endif -%}
{%- endmacro %}

{% macro _join_kind(data_type) -%}
  {%- set family = ml_monitor.type_family(data_type) -%}
  {{ return({'integer': 'number', 'float': 'number', 'decimal': 'number', 'string': 'text', 'boolean': 'boolean',
             'timestamp': 'time', 'timestamptz': 'time', 'date': 'time'}.get(family)) }}
{%- endmacro %}

{#- Fails at compile time, naming test, argument and the columns that exist, when a column
    named by an argument is not in `in_relation` (instead of a raw Binder Error at run time).
    same_spelling: `in_relation` is read with `relation`'s spelling of the names (a drift or
    cardinality reference, a performance reference): where a quoted name is case-sensitive
    (PostgreSQL, Snowflake), a reference spelling it in another case is a compile error too
    (it was "column "score" does not exist" at run time). -#}
{% macro _check_columns_exist(test, relation, arg, names, in_relation, same_spelling=false) -%}
  {%- set cols = ml_monitor._known_columns(in_relation) -%}
  {%- if cols is none -%}{{ return(none) }}{%- endif -%}
  {%- set missing = [] -%}
  {%- for n in names -%}
    {%- set entry = cols.get(ml_monitor.unquoted(n) | lower) -%}
    {%- if entry is none -%}{%- do missing.append(ml_monitor.unquoted(n)) -%}
    {%- elif entry.spellings | length > 1 and ml_monitor.unquoted(n) not in (entry.spellings | map(attribute='name') | list) -%}
      {#- "a" and "A" both exist and the name is neither: which one is meant cannot be told -#}
      {{ ml_monitor._arg_error(test, relation, arg, "names column " ~ ml_monitor.unquoted(n) ~ ", which matches "
          ~ (entry.spellings | map(attribute='name') | join(' and ')) ~ " of " ~ in_relation
          ~ " without regard to case: write one of them exactly", names | join(", ")) }}
    {%- endif -%}
  {%- endfor -%}
  {%- if missing -%}
    {%- set existing = cols.values() | map(attribute='name') | list -%}
    {%- set side = "" if (in_relation | string) == (relation | string) else (" of " ~ in_relation) -%}
    {{ ml_monitor._arg_error(test, relation, arg,
        "names column(s) " ~ (missing | join(", ")) ~ " that do not exist" ~ side ~ "; its columns are: " ~ (existing | join(", ")),
        names | join(", ")) }}
  {%- endif -%}
  {%- set dialect = var('ml_monitor_dialect', none) or target.type -%}
  {%- if same_spelling and dialect not in ['duckdb', 'spark', 'databricks', 'bigquery'] -%}
    {%- set own = ml_monitor._known_columns(relation) -%}
    {%- for n in names -%}
      {%- set mine = ml_monitor._column_info(relation, n, own) if own is not none else none -%}
      {%- set spelt = mine.name if mine is not none else ml_monitor.unquoted(n) -%}
      {%- set theirs = cols.get(spelt | lower).spellings | map(attribute='name') | list -%}
      {%- if spelt not in theirs -%}
        {{ ml_monitor._arg_error(test, relation, arg, "names column " ~ spelt ~ ", which " ~ in_relation ~ " spells "
            ~ (theirs | join(' and ')) ~ ": the reference is read with the monitored relation's spelling, and a quoted name is case-sensitive on "
            ~ dialect ~ " (rename it in a view of the reference)", names | join(", ")) }}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{#- A relation (ref/source) or none. -#}
{% macro _check_relation(test, relation, arg, value, required=false) -%}
  {%- if value is none -%}
    {%- if required -%}{{ ml_monitor._arg_error(test, relation, arg, "is required: a relation such as ref('training_set')", "nothing") }}{%- endif -%}
    {{ return(none) }}
  {%- endif -%}
  {%- if value.identifier is not defined or value is string -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be a relation such as ref('training_set') or source('s', 't')", value) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{#- Column-level placement (column_name) or an explicit `columns` list; at least one.
    arg: the argument's name as the user wrote it (feature_skew's is `features`). -#}
{% macro _monitored_columns(test, relation, column_name, columns, arg='columns') -%}
  {%- set names = ml_monitor._check_names(test, relation, arg, columns) -%}
  {#- the column the test is placed under, also listed in columns (in any case): once -#}
  {%- set listed = [] -%}
  {%- for n in names -%}{%- do listed.append(ml_monitor.unquoted(n) | lower) -%}{%- endfor -%}
  {%- if column_name is not none and (ml_monitor.unquoted(column_name) | lower) not in listed -%}
    {%- set names = ml_monitor._actual_column_names(relation, [column_name]) + names -%}
  {%- endif -%}
  {%- if names | length == 0 -%}
    {{ ml_monitor._arg_error(test, relation, arg, "is required: place the test under a column or pass " ~ arg ~ ": [...]", "nothing") }}
  {%- endif -%}
  {{ return(names) }}
{%- endmacro %}

{#- Keyword arguments a test does not know: a compile error for that test alone, naming the test,
    the unknown argument, the closest known one and every known one (instead of Jinja's
    "takes no keyword argument", or a parse error that stops the whole invocation).
    `accepted`: a list of names, or a macro whose signature lists them (e.g. ml_monitor.psi);
    `extra`: the wrapper's own arguments. -#}
{% macro _check_known_args(test, relation, given, accepted, extra=[]) -%}
  {%- set from_macro = accepted.get_macro is defined -%}
  {%- set names = ((accepted.get_macro().arguments | list) if from_macro else (accepted | list)) + extra -%}
  {%- set names = names | reject('in', ['relation', 'test', 'model']) | unique | list -%}
  {%- for name, value in given.items() -%}
    {%- if name not in names -%}
      {%- if name == 'column_name' -%}
        {#- dbt passes column_name when a test is placed under a column: the user never wrote it -#}
        {{ ml_monitor._arg_error(test, relation, name,
            "is given because the test is placed under a column; ml_monitor." ~ test ~ " is a model-level test: put it under the model's data_tests"
            ~ (" (the column goes in timestamp_column)" if 'timestamp_column' in names else "")
            ~ "; its arguments are: " ~ (names | sort | join(', ')), value) }}
      {%- endif -%}
      {%- set close = ml_monitor._closest_name(name, names) -%}
      {{ ml_monitor._arg_error(test, relation, name,
          "is not an argument of ml_monitor." ~ test ~ ((" (did you mean '" ~ close ~ "'?)") if close else "")
          ~ "; its arguments are: " ~ (names | sort | join(', ')), value) }}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- The known name nearest to a misspelt one (edit distance at most a third of its length), or none. -#}
{% macro _closest_name(name, names) -%}
  {%- set ns = namespace(best=none, dist=1000) -%}
  {%- for candidate in names -%}
    {%- set d = ml_monitor._edit_distance(name | lower, candidate | lower) -%}
    {%- if d < ns.dist -%}{%- set ns.best = candidate -%}{%- set ns.dist = d -%}{%- endif -%}
  {%- endfor -%}
  {{ return(ns.best if ns.dist <= [2, (name | length) // 3] | max else none) }}
{%- endmacro %}

{#- Levenshtein distance (small strings: argument names). -#}
{% macro _edit_distance(a, b) -%}
  {%- set ns = namespace(prev=range((b | length) + 1) | list) -%}
  {%- for i in range(1, (a | length) + 1) -%}
    {%- set row = [i] -%}
    {%- for j in range(1, (b | length) + 1) -%}
      {%- set cost = 0 if a[i - 1] == b[j - 1] else 1 -%}
      {%- do row.append([ns.prev[j] + 1, row[j - 1] + 1, ns.prev[j - 1] + cost] | min) -%}
    {%- endfor -%}
    {%- set ns.prev = row -%}
  {%- endfor -%}
  {{ return(ns.prev[b | length]) }}
{%- endmacro %}

{#- Categories compared as text across the two sides of a comparison (a drift or cardinality
    reference): a column that is text on one side and a non-integer number on the other matched
    the engine's text of the number ('1.0' on DuckDB, '1' on PostgreSQL): different categories,
    and a different verdict, on each engine. A compile error naming both types. -#}
{% macro _check_category_types(test, relation, arg, name, cur_dtype, ref_dtype) -%}
  {%- if cur_dtype is none or ref_dtype is none -%}{{ return(none) }}{%- endif -%}
  {%- set cur_num = ml_monitor._is_numeric_type(cur_dtype) -%}
  {%- set ref_num = ml_monitor._is_numeric_type(ref_dtype) -%}
  {%- set numeric_dtype = cur_dtype if cur_num else ref_dtype -%}
  {%- if cur_num != ref_num and not ml_monitor._is_integer_type(numeric_dtype) -%}
    {{ ml_monitor._arg_error(test, relation, arg, "names column " ~ name ~ ", which is " ~ cur_dtype ~ " here and " ~ ref_dtype
        ~ " in the reference: categories are compared as text, and the text of a non-integer number differs between engines"
        ~ " (1.0 or 1); cast one side in a view so both have the same type", name) }}
  {%- endif -%}
{%- endmacro %}
