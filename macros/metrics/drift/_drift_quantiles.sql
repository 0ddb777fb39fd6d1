{#- Exact reference quantiles that distribute (the "bracketed" method).

    An engine's exact quantile aggregate (Spark's percentile()) gathers every value of a column
    in one task and sorts it there: on Spark it was half of psi_drift's time and grew faster
    than the rows. The bracketed method gives the same numbers, numpy's quantile with linear
    interpolation, from work that distributes:

      1. (in the profile pass) n and approximate quantiles at p - w and p + w for every target
         probability p: a bracket [lo, hi] of values around the order statistics at (n - 1) p;
      2. one query: the exact count of values below lo (an aggregate), and the few values
         inside each bracket counted per distinct value; a running count inside each bracket
         (a window partitioned by column and probability, over a few hundred rows) finds the
         order statistics f = floor((n - 1) p) and f + 1;
      3. numpy's interpolation of the two in Jinja (Python floats are IEEE doubles, the same
         operations in the same order as numpy's _lerp: bit-identical).

    A bracket that misses its order statistics (the approximation was off by more than w, which
    Spark's guarantee excludes, DuckDB's t-digest does not promise) is detected by the exact
    counts and that column falls back to the engine's exact aggregate: never a wrong edge.

    _quantile_method(): the var ml_monitor_quantile_method (native | bracketed), else the
    engine's choice: bracketed on Spark and Databricks (a local 2-core session, 10 columns:
    94.5 s against percentile()'s 219 s at 5M rows, 57 s against 51 s at 1M, the same edges;
    docs/benchmarks.md; on a cluster percentile()'s final aggregation is one task per column,
    and Spark's percentile_approx has a rank-error guarantee of 1 / accuracy), native elsewhere
    (DuckDB's quantile_cont and PostgreSQL's percentile_cont are not the bottleneck). -#}

{% macro _quantile_method() -%}
  {%- set v = var('ml_monitor_quantile_method', none) -%}
  {%- if v is not none -%}
    {%- if v not in ['native', 'bracketed'] -%}
      {{ exceptions.raise_compiler_error("ml_monitor: var ml_monitor_quantile_method must be native or bracketed, got " ~ v) }}
    {%- endif -%}
    {{ return(v) }}
  {%- endif -%}
  {{ return(ml_monitor._dispatch('_quantile_method')()) }}
{%- endmacro %}
{% macro default___quantile_method() %}{{ return('native') }}{% endmacro %}
{% macro spark___quantile_method() %}{{ return('bracketed') }}{% endmacro %}
{% macro databricks___quantile_method() %}{{ return('bracketed') }}{% endmacro %}

{#- Half-width w of a bracket in probability. Spark: 3x percentile_approx's rank-error bound
    (1 / accuracy), so a bracket holds ~0.06% of the rows (3,000 of 5M) and never misses;
    elsewhere (DuckDB's t-digest has no bound; engines without an approximate aggregate bracket
    with exact quantiles) 1%. -#}
{% macro _quantile_bracket_accuracy() %}{{ return(10000) }}{% endmacro %}
{% macro _quantile_bracket_halfwidth() %}{{ return(ml_monitor._dispatch('_quantile_bracket_halfwidth')()) }}{% endmacro %}
{% macro default___quantile_bracket_halfwidth() %}{{ return(0.01) }}{% endmacro %}
{% macro spark___quantile_bracket_halfwidth() %}{{ return(3.0 / ml_monitor._quantile_bracket_accuracy()) }}{% endmacro %}
{% macro databricks___quantile_bracket_halfwidth() %}{{ return(3.0 / ml_monitor._quantile_bracket_accuracy()) }}{% endmacro %}
{#- Per probability p: approximate quantiles at p -/+ w and p -/+ 1% (four per p); the column's
    min / max come beside them. _quantile_bracket() picks, once n is known, the narrowest bracket
    with a margin of at least 4 rows on each side (n w >= 4), else the wide one, else all values
    (n < 400: a few hundred rows). -#}
{% macro _quantile_bracket_probs(probs) -%}
  {%- set w = ml_monitor._quantile_bracket_halfwidth() -%}
  {%- set out = [] -%}
  {%- for p in probs -%}
    {%- for h in [w, 0.01] -%}
      {%- do out.append([0.0, p - h] | max) -%}
      {%- do out.append([1.0, p + h] | min) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- (lo, hi) for probability number j (1-based) of a column: row holds q_<idx>_<k> (the four
    approximate quantiles per probability) and rmin_<idx> / rmax_<idx>. -#}
{% macro _quantile_bracket(row, idx, j, n) -%}
  {%- set w = ml_monitor._quantile_bracket_halfwidth() -%}
  {%- set k = 4 * (j - 1) -%}
  {%- if n * w >= 4 -%}{{ return([row['q_' ~ idx ~ '_' ~ (k + 1)], row['q_' ~ idx ~ '_' ~ (k + 2)]]) }}
  {%- elif n * 0.01 >= 4 -%}{{ return([row['q_' ~ idx ~ '_' ~ (k + 3)], row['q_' ~ idx ~ '_' ~ (k + 4)]]) }}
  {%- endif -%}
  {{ return([row['rmin_' ~ idx], row['rmax_' ~ idx]]) }}
{%- endmacro %}

{#- numpy.quantile(x, p) (method 'linear') from n and the order statistics a = x[f], b = x[f + 1]
    (0-based, f = floor((n - 1) p)): numpy's own arithmetic, step by step. -#}
{% macro _numpy_linear_quantile(n, p, a, b) -%}
  {%- set vi = (n - 1) * p -%}
  {%- if vi >= n - 1 -%}{{ return(b) }}{%- endif -%}
  {%- set g = vi - ((vi | int) | float) -%}
  {%- set diff = b - a -%}
  {%- if g >= 0.5 -%}{{ return(b - diff * (1 - g)) }}{%- endif -%}
  {{ return(a + diff * g) }}
{%- endmacro %}

{#- The order-statistic positions of probability p among n values: (f, f + 1), clipped. -#}
{% macro _quantile_positions(n, p) -%}
  {%- set vi = (n - 1) * p -%}
  {%- set f = vi | int -%}
  {%- if vi >= n - 1 -%}{{ return([n - 1, n - 1]) }}{%- endif -%}
  {{ return([f, f + 1]) }}
{%- endmacro %}

{#- Step 2. items: [{'col': c (a drift column), 'j': probability index (1-based), 'p', 'n',
    'lo', 'hi'}]. Returns {(col idx, j): exact quantile}; an item whose bracket missed is
    absent (the caller falls back to the exact aggregate for its column).

    One query, one read of each column:
      ml_cells    per column (a branch of a union all that reads that column alone), each value
                  classified once: inside any of the column's brackets (seg = -1, kept per
                  distinct value), else the gap between two consecutive bracket bounds it falls
                  in (seg = the number of the column's bounds below it; the value dropped).
                  A few thousand rows per column.
      ml_cum      the cells of each column in the order of their values, with a running count
                  (a window partitioned by column, over those few thousand rows): an inside
                  value's running count is the number of the column's values <= it. A gap
                  sorts as the bound that ends it, before an inside value equal to that bound
                  (no inside value lies between a gap's values and that bound); the last gap
                  (no bound above it) after everything, said explicitly (engines put NULLs
                  first or last);
      result      per bracket (its column's cells beside it: an aggregate, no sort): the exact
                  counts below lo and up to hi, and the first inside values whose running count
                  passes the order statistics f and f + 1 (their positions ride in ml_brackets).
    Shape (Spark, 10 columns, 5M rows, whole-stage codegen on): one wide aggregate for the
    counts plus a cross join of the rows with the column list took 71 s (the counts were
    re-planned once per bracket by column pruning, the filter's generated method was too long
    to be JIT-compiled); this shape 5.6 s, the same 90 order statistics (docs/benchmarks.md);
    the running count per column instead of per bracket (one window over every cell of every
    bracket before): 4.2-5.5 s -> 3.2-3.6 s, the same 90 rows. -#}
{% macro _quantiles_from_brackets(setup, items) -%}
  {%- set out = {} -%}
  {%- if items | length == 0 -%}{{ return(out) }}{%- endif -%}
  {%- set cols = [] -%}
  {%- set seen = [] -%}
  {%- for it in items if it.col.idx not in seen -%}{%- do seen.append(it.col.idx) -%}{%- do cols.append(it.col) -%}{%- endfor -%}
  {%- set d = ml_monitor.double_const -%}
  {#- per column: its brackets' distinct bounds, sorted; per bracket: the 1-based rank of lo and
      hi among them and the order-statistic positions -#}
  {%- set bounds = {} -%}
  {%- for c in cols -%}
    {%- set bs = [] -%}
    {%- for it in items if it.col.idx == c.idx -%}
      {%- if it.lo not in bs %}{% do bs.append(it.lo) %}{% endif -%}
      {%- if it.hi not in bs %}{% do bs.append(it.hi) %}{% endif -%}
    {%- endfor -%}
    {%- do bounds.update({c.idx: bs | sort}) -%}
  {%- endfor -%}
  {%- set bracket_rows = [] -%}
  {%- for it in items -%}
    {%- set pos = ml_monitor._quantile_positions(it.n, it.p) -%}
    {%- do bracket_rows.append([it.col.idx, it.j, d(it.lo), d(it.hi), pos[0], pos[1]]) -%}
  {%- endfor -%}
  {#- gap k of a column (its values lie between its bounds k and k + 1, 1-based) ends at bound
      k + 1: the key that sorts the gap among the values -#}
  {%- set gap_rows = [] -%}
  {%- for c in cols -%}
    {%- for b in bounds[c.idx] -%}{%- do gap_rows.append([c.idx, loop.index0, d(b)]) -%}{%- endfor -%}
  {%- endfor -%}
  {%- set sql -%}
    with ml_brackets as (
      select * from {{ ml_monitor.literal_rows(bracket_rows, ['c', 'j', 'lo', 'hi', 'pos_f', 'pos_g'], 'ml_b') }}
    ),
    ml_gap_ends as (
      select * from {{ ml_monitor.literal_rows(gap_rows, ['c', 'seg', 'b'], 'ml_g') }}
    ),
    ml_src as (
      {{ ml_monitor._drift_side_sql('r', setup.ref_relation, setup.ref_filter, cols) }}
    ),
    ml_cells as (
      select c, seg, v, count(*) as cnt
      from (
        select c, seg, case when seg < 0 then x end as v
        from (
          {%- for c in cols %}
          {%- set x = 'ml_v_' ~ c.idx %}
          select {{ c.idx }} as c,
            case when {% for it in items if it.col.idx == c.idx %}{% if not loop.first %} or {% endif %}({{ x }} >= {{ d(it.lo) }} and {{ x }} <= {{ d(it.hi) }}){% endfor %} then -1
              {%- for b in bounds[c.idx] %} when {{ x }} < {{ d(b) }} then {{ loop.index0 }}{% endfor %} else {{ bounds[c.idx] | length }} end as seg,
            {{ x }} as x
          from ml_src
          where {{ x }} is not null
          {%- if not loop.last %}
          union all
          {%- endif %}
          {%- endfor %}
        ) as ml_classified
      ) as ml_kept
      group by c, seg, v
    ),
    ml_keyed as (
      select h.c, h.seg, case when h.seg < 0 then h.v else g.b end as v, h.cnt
      from ml_cells as h
      left join ml_gap_ends as g on g.c = h.c and g.seg = h.seg
    ),
    ml_cum as (
      select c, seg, v, cnt,
        sum(cnt) over (partition by c order by case when v is null then 1 else 0 end, v, case when seg < 0 then 1 else 0 end
                       rows between unbounded preceding and current row) as cum
      from ml_keyed
    )
    select b.c, b.j,
      sum(case when h.v < b.lo or (h.v = b.lo and h.seg >= 0) then h.cnt else 0 end) as below,
      sum(case when h.v <= b.hi then h.cnt else 0 end) as upto,
      min(case when h.seg < 0 and h.v >= b.lo and h.v <= b.hi and h.cum > b.pos_f then h.v end) as v_f,
      min(case when h.seg < 0 and h.v >= b.lo and h.v <= b.hi and h.cum > b.pos_g then h.v end) as v_g
    from ml_brackets as b
    left join ml_cum as h on h.c = b.c
    group by b.c, b.j
  {%- endset -%}
  {%- set by_key = {} -%}
  {%- for r in ml_monitor._query_rows(sql) -%}
    {%- do by_key.update({(r['c'] | int) ~ ':' ~ (r['j'] | int): r}) -%}
  {%- endfor -%}
  {%- for it in items -%}
    {%- set r = by_key.get(it.col.idx ~ ':' ~ it.j) -%}
    {%- set pos = ml_monitor._quantile_positions(it.n, it.p) -%}
    {#- valid only if the bracket holds both order statistics: below <= f and upto >= f + 2 -#}
    {%- if r is not none and (r['below'] | int) <= pos[0] and (r['upto'] | int) >= pos[1] + 1
          and r['v_f'] is not none and r['v_g'] is not none -%}
      {%- do out.update({it.col.idx ~ ':' ~ it.j: ml_monitor._numpy_linear_quantile(it.n, it.p, r['v_f'] | float, r['v_g'] | float)}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- The profile's exact quantiles by the bracketed method: {(col idx):(j): value} for every column
    with values; a column whose brackets missed gets the engine's exact aggregate instead.
    row: the profile row (n_<idx>, rmin_<idx>, rmax_<idx>, q_<idx>_<k>: four per probability). -#}
{% macro _drift_bracketed_quantiles(setup, cols, probs, row) -%}
  {%- set items = [] -%}
  {%- for c in cols -%}
    {%- set n = (row['n_' ~ c.idx] or 0) | int -%}
    {%- if n > 0 -%}
      {%- for p in probs -%}
        {%- set lo, hi = ml_monitor._quantile_bracket(row, c.idx, loop.index, n) -%}
        {%- if lo is not none and hi is not none -%}
          {%- do items.append({'col': c, 'j': loop.index, 'p': p, 'n': n, 'lo': lo | float, 'hi': hi | float}) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set out = ml_monitor._quantiles_from_brackets(setup, items) -%}
  {#- columns with a missed bracket: the exact aggregate (rare; correct either way) -#}
  {%- set missed = [] -%}
  {%- for it in items if (it.col.idx ~ ':' ~ it.j) not in out and it.col not in missed -%}
    {%- do missed.append(it.col) -%}
  {%- endfor -%}
  {%- if missed -%}
    {%- set prob_sql = [] -%}
    {%- for p in probs -%}{%- do prob_sql.append(ml_monitor.double_const(p)) -%}{%- endfor -%}
    {%- set sql -%}
      select {% for c in missed %}{% set ci = loop.index %}{% for p in probs %}{{ ml_monitor.array_element('q_' ~ c.idx, loop.index) }} as q_{{ c.idx }}_{{ loop.index }}{% if not (ci == missed | length and loop.last) %}, {% endif %}{% endfor %}{% endfor %}
      from (
        select {% for c in missed %}{{ ml_monitor.quantiles('ml_v_' ~ c.idx, prob_sql) }} as q_{{ c.idx }}{% if not loop.last %}, {% endif %}{% endfor %}
        from ({{ ml_monitor._drift_side_sql('r', setup.ref_relation, setup.ref_filter, missed) }}) as ml_fallback_source
      ) as ml_fallback
    {%- endset -%}
    {%- set frow = ml_monitor._query_rows(sql)[0] -%}
    {{ log("ml_monitor: exact quantiles of " ~ (missed | map(attribute='name') | join(', ')) ~ " by the exact aggregate (an approximate bracket missed)") }}
    {%- for c in missed -%}
      {%- for p in probs -%}
        {%- set e = frow['q_' ~ c.idx ~ '_' ~ loop.index] -%}
        {%- do out.update({c.idx ~ ':' ~ loop.index: (e | float) if e is not none else none}) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {%- do out.update({'fallback': missed | map(attribute='idx') | list}) -%}
  {{ return(out) }}
{%- endmacro %}

{#- _exact_quantiles_bracketed(relation, expr, probabilities, where): numpy's quantiles of one
    numeric expression by the bracketed method, at compile time: {'values': [...] (none when
    the column has no finite value), 'n': count, 'fallback': true when a bracket missed and the
    exact aggregate answered}. The profile pass of psi_drift does the same for all columns in
    one query; this form serves checks of the method itself (integration_tests). -#}
{% macro _exact_quantiles_bracketed(relation, expr, probabilities, where='1 = 1') -%}
  {%- if ml_monitor._drift_render_only() -%}
    {#- another engine's SQL is being rendered (var ml_monitor_dialect): placeholders -#}
    {%- set zeros = [] -%}{%- for p in probabilities -%}{%- do zeros.append(0.0) -%}{%- endfor -%}
    {{ return({'values': zeros, 'n': 0, 'fallback': false}) }}
  {%- endif -%}
  {%- set setup = {'ref_relation': relation, 'ref_filter': where} -%}
  {%- set col = {'idx': 1, 'kind': 'numeric', 'sql': expr, 'name': expr} -%}
  {%- set agg_probs = ml_monitor._quantile_bracket_probs(probabilities) -%}
  {%- set prob_sql = [] -%}
  {%- for p in agg_probs -%}{%- do prob_sql.append(ml_monitor.double_const(p)) -%}{%- endfor -%}
  {%- set sql -%}
    select n_1, rmin_1, rmax_1{% for p in agg_probs %}, {{ ml_monitor.array_element('q_1', loop.index) }} as q_1_{{ loop.index }}{% endfor %}
    from (
      select count(ml_v_1) as n_1, min(ml_v_1) as rmin_1, max(ml_v_1) as rmax_1, {{ ml_monitor.approx_quantiles('ml_v_1', prob_sql) }} as q_1
      from ({{ ml_monitor._drift_side_sql('r', relation, where, [col]) }}) as ml_source
    ) as ml_profile
  {%- endset -%}
  {%- set row = ml_monitor._query_rows(sql)[0] -%}
  {%- set exact = ml_monitor._drift_bracketed_quantiles(setup, [col], probabilities, row) -%}
  {%- set values = [] -%}
  {%- for p in probabilities -%}{%- do values.append(exact.get('1:' ~ loop.index)) -%}{%- endfor -%}
  {{ return({'values': values, 'n': (row['n_1'] or 0) | int, 'fallback': exact.fallback | length > 0}) }}
{%- endmacro %}
