{#- The p-value of the two-sample KS test as scipy.stats.ks_2samp(x, y, method='asymp'):
    scipy.stats.kstwo.sf(D, round(en)), en = n1 * n2 / (n1 + n2) rounded half to even (numpy's
    round), i.e. the survival function of the one-sample two-sided KS statistic for round(en)
    observations, computed with the branches of scipy's _kolmogn (scipy/stats/_ksstats.py,
    Simard & L'Ecuyer 2011):

      x >= 1 -> 0; x <= 0 -> 1                                   (x = D, n = round(en), t = n x)
      t <= 1 (Ruben-Gambino)      sf = 1 - n!/n^n (2t - 1)^n, 1 when t <= 1/2
      t >= n - 1 (Ruben-Gambino)  sf = 2 (1 - x)^n
      x >= 1/2                    sf = 2 smirnov(n, x)
      n <= 140:  n x^2 <= 4       sf = 1 - P(D_n <= x) by Durbin's matrix (scipy: Durbin-MTW
                                  up to 0.754693, Pomeranz's recursion above: both exact)
                 else             sf = 2 smirnov(n, x)
      n > 140:   n x^2 >= 370 -> 0; n x^2 >= 2.2 -> 2 smirnov(n, x)
                 n x^1.5 <= 1.4 and n < 8192: 1 - Durbin's matrix (scipy: up to n = 100000)
                 else             sf = 1 - Pelz-Good's series

    smirnov(n, x) is the exact one-sided tail (Birnbaum-Tingey's finite sum, one row per term,
    as scipy.special.smirnov; above n = 10^6 scipy's own approximation e^(-(6nx+1)^2/(18n))).
    Durbin's matrix: the k-th diagonal entry of H^n (H of size 2k - 1, k = ceil(n x)), times
    n!/n^n; the power by squaring, 13 unrolled steps of a matrix product written as a join.
    Where scipy uses Durbin's matrix for 8192 <= n <= 100000 we use Pelz-Good's series: the two
    differ by at most 3.3e-12 there (the CDF is below 1e-3 in that region); everywhere else the
    result is scipy's to rounding (1e-12 or better; the grid test holds it to 1e-9).

    `source`: a relation or CTE with columns ks_n (bigint, round(en)) and ks_x (double, D).
    Returns CTEs (to follow `with ... ,`; the last one `kp_sf`: ks_n, ks_x, kp_method, kp_sf,
    one row per distinct (ks_n, ks_x); kp_sf not yet clamped to [0, 1]). -#}
{% macro _kstwo_sf_ctes(source) -%}
  {%- set pi = 3.141592653589793 -%}
  {%- set c = ml_monitor.double_const -%}
-- every distinct (n, x) once, with the branch of scipy's _kolmogn that applies to it
kp_pairs as (
  select ks_n, ks_x, t, nx2,
    -- an id per pair without a global window: n, then the pair's rank among the pairs of that n
    -- (at most 2^20 distinct D per n: columns x segments x windows)
    ks_n * 1048576 + row_number() over (partition by ks_n order by ks_x) as kp_id,
    case
      when ks_x >= 1 then 'zero'
      when ks_x <= 0 then 'one'
      when t <= 1 then 'ruben_gambino_low'
      when t >= ks_n - 1 then 'ruben_gambino_high'
      when ks_x >= 0.5 then 'smirnov'
      when ks_n <= 140 and nx2 <= 4 then 'durbin_matrix'
      when ks_n <= 140 then 'smirnov'
      when nx2 >= 370 then 'zero'
      when nx2 >= {{ c(2.2) }} then 'smirnov'
      when ks_n < 8192 and ks_n * power(ks_x, {{ c(1.5) }}) <= {{ c(1.4) }} then 'durbin_matrix'
      else 'pelz_good'
    end as kp_branch
  from (
    select distinct ks_n, ks_x, ks_n * ks_x as t, ks_n * ks_x * ks_x as nx2
    from {{ source }}
    where ks_n is not null and ks_n > 0 and ks_x is not null
  ) as kp_distinct
),
-- smirnov's own cases: its tail underflows (scipy returns 0), or n is above 10^6 (approximation)
kp_methods as (
  select kp_pairs.*,
    case
      when kp_branch <> 'smirnov' then kp_branch
      when -2 * ks_n * ks_x * ks_x < {{ c(-708.3964185322641) }} then 'zero'
      when ks_n > 1000000 then 'smirnov_approx'
      else 'smirnov'
    end as kp_method
  from kp_pairs
),
-- smirnov(n, x) = x * sum_{v=0}^{n - floor(nx) - 1} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v):
-- one row per term (every term is positive: no cancellation)
kp_sm_pairs as (
  select kp_id, ks_n, ks_x, t, ks_n - {{ ml_monitor.to_bigint('floor(t)') }} - 1 as kp_last,
    {{ ml_monitor._ln_factorial_col('ks_n') }} as lf_n
  from kp_methods
  where kp_method = 'smirnov'
),
kp_sm_rows as {{ ml_monitor._cte_fence() }} (
  {{ ml_monitor.series_rows('kp_sm_pairs', 'kp_last', 'kp_v') }}
),
kp_sm_lf as {{ ml_monitor._cte_fence() }} (
  select kp_id, ks_n, ks_x, t, kp_v, lf_n,
    {{ ml_monitor._ln_factorial_col('kp_v') }} as lf_v, {{ ml_monitor._ln_factorial_col('(ks_n - kp_v)') }} as lf_nv
  from kp_sm_rows
  where (ks_n - kp_v) - t > 0
),
kp_sm as (
  select kp_id, max(ks_x) * sum({{ ml_monitor._exp_floor('lf_n - lf_v - lf_nv + (kp_v - 1) * ln((kp_v + t) / ks_n)'
                                                         ~ ' + (ks_n - kp_v) * ln(((ks_n - kp_v) - t) / ks_n)') }}) as kp_smirnov
  from kp_sm_lf
  group by kp_id
),
{{ ml_monitor._durbin_matrix_ctes() }},
-- Pelz-Good: K0 + K1/sqrt(n) + K2/n + K3/n^1.5 (sums up to ceil(16 z / pi) <= 8 terms here)
kp_pg_base as {{ ml_monitor._cte_fence() }} (
  select kp_id, ks_n, ks_x, z, z * z as zz,
    {{ ml_monitor.to_bigint('ceil(16 * z / ' ~ c(pi) ~ ')') }} as kp_maxk
  from (select kp_id, ks_n, ks_x, sqrt({{ ml_monitor.to_double('ks_n') }}) * ks_x as z from kp_methods where kp_method = 'pelz_good') as b
),
kp_pg_sums as {{ ml_monitor._cte_fence() }} (
  select kp_pg_base.*,
    {%- for part in range(4) %}
    {%- set terms = [] %}
    {%- for k in range(1, 9) %}
    {%- set m2 = ((2 * k - 1) ** 2) * 1.0 %}
    {%- set coef = {
          0: '1.0',
          1: '(-zz + ' ~ c(pi * pi / 4 * m2) ~ ')',
          2: '((6 * zz * zz * zz + 2 * zz * zz) + (2 * zz * zz - 5 * zz) * ' ~ c(pi * pi / 4 * m2) ~ ' + (1 - 2 * zz) * ' ~ c(pi ** 4 / 16 * m2 * m2) ~ ')',
          3: '((-30 * zz * zz * zz - 90 * zz * zz * zz * zz) + (135 * zz * zz - 96 * zz * zz * zz) * ' ~ c(pi * pi / 4 * m2) ~ ' + (-60 * zz + 212 * zz * zz) * ' ~ c(pi ** 4 / 16 * m2 * m2) ~ ' + (5 - 30 * zz) * ' ~ c(pi ** 6 / 64 * m2 * m2 * m2) ~ ')'
        }[part] %}
    {%- do terms.append('case when ' ~ k ~ ' <= kp_maxk then ' ~ coef ~ ' * ' ~ ml_monitor._exp_floor(c(-pi * pi / 8 * m2) ~ ' / zz') ~ ' else 0 end') %}
    {%- endfor %}
    ({{ terms | join('\n      + ') }}) as kp_s{{ part }},
    {%- endfor %}
    {%- for part in [2, 3] %}
    {%- set terms = [] %}
    {%- for k in range(1, 9) %}
    {%- set f = ((k * k) | string) if part == 2 else '(3 * zz - ' ~ c(pi * pi * k * k) ~ ') * ' ~ (k * k) %}
    {%- do terms.append('case when ' ~ k ~ ' <= kp_maxk then ' ~ f ~ ' * ' ~ ml_monitor._exp_floor(c(-pi * pi / 2 * k * k) ~ ' / zz') ~ ' else 0 end') %}
    {%- endfor %}
    ({{ terms | join('\n      + ') }}) as kp_e{{ part }}{{ ',' if part == 2 }}
    {%- endfor %}
  from kp_pg_base
),
kp_pg as (
  select kp_id,
    case when {{ c(-pi * pi / 8) }} / zz < -708 then 0.0 else
      {{ c((2 * pi) ** 0.5) }} * (
          kp_s0 / z
        + kp_s1 / (6 * zz * zz) / sqrt({{ ml_monitor.to_double('ks_n') }})
        + (kp_s2 / (72 * zz * zz * zz * z) - {{ c(pi * pi / 36) }} * kp_e2 / (zz * z)) / ks_n
        + (kp_s3 / (6480 * zz * zz * zz * zz * zz) + {{ c(pi * pi / 216) }} * kp_e3 / (zz * zz * zz)) / (ks_n * sqrt({{ ml_monitor.to_double('ks_n') }})))
    end as kp_cdf
  from kp_pg_sums
),
kp_sf as {{ ml_monitor._cte_fence() }} (
  select p.ks_n, p.ks_x, p.kp_method,
    case p.kp_method
      when 'zero' then 0.0
      when 'one' then 1.0
      when 'ruben_gambino_low' then case when p.t <= 0.5 then 1.0 else
        1.0 - {{ ml_monitor._exp_floor(ml_monitor._ln_factorial_col('p.ks_n') ~ ' - p.ks_n * ln(' ~ ml_monitor.to_double('p.ks_n') ~ ') + p.ks_n * ln(2 * p.t - 1)') }} end
      when 'ruben_gambino_high' then 2 * {{ ml_monitor._exp_floor('p.ks_n * ln(1 - p.ks_x)') }}
      when 'smirnov' then 2 * sm.kp_smirnov
      when 'smirnov_approx' then 2 * {{ ml_monitor._exp_floor('-(6 * p.t + 1) * (6 * p.t + 1) / 18.0 / p.ks_n') }}
      when 'durbin_matrix' then 1.0 - coalesce(dm.kp_cdf, 0.0)
      when 'pelz_good' then 1.0 - pg.kp_cdf
    end as kp_sf
  from kp_methods as p
  left join kp_sm as sm on sm.kp_id = p.kp_id
  left join kp_dm as dm on dm.kp_id = p.kp_id
  left join kp_pg as pg on pg.kp_id = p.kp_id
)
{%- endmacro %}

{#- Durbin's matrix (Marsaglia-Tsang-Wang's form, scipy's _kolmogn_DMTW) for the pairs of
    kp_methods with kp_method 'durbin_matrix': P(D_n <= x) = n!/n^n * (H^n)[k-1, k-1], with
    k = ceil(n x), h = k - n x, m = 2k - 1 and the m x m matrix
      H[i, j] = 1/(i - j + 1)!  (i >= j - 1),  H[i, 0] = (1 - h^(i+1)) / (i+1)!,  H[m-1, j] = H[m-1-j, 0]
    with H[m-1, 0] = (1 - 2 h^m + max(0, 2h - 1)^m) / m!. Matrices are rows (kp_id, r, c, val, lsc), r and c the row and column keyed by kp_id * 64 + i
    (one join key):
    each product is rescaled by its largest entry, lsc carrying the log of the scale. n < 8192:
    13 binary digits, unrolled. CTE kp_dm: kp_id, kp_cdf. -#}
{% macro _durbin_matrix_ctes() %}{{ return(ml_monitor._dispatch('_durbin_matrix_ctes')()) }}{% endmacro %}

{% macro default___durbin_matrix_ctes() -%}
  {%- set bits = 13 -%}
kp_dm_pairs as (
  select kp_id, ks_n, ks_x, kp_k, ceil(t) - t as kp_h, 2 * kp_k - 1 as kp_m, 2 * kp_k - 2 as kp_last
  from (select kp_methods.*, {{ ml_monitor.to_bigint('ceil(t)') }} as kp_k from kp_methods where kp_method = 'durbin_matrix') as d
),
-- the row and column numbers 0..50 (m <= 51: k = ceil(n x) <= 24 for n <= 140, n x^2 <= 4, and
-- <= 26 for n < 8192, n x^1.5 <= 1.4); a literal list keeps the planners' row estimates small
kp_dm_idx as (
  {%- for i in range(51) %}
  select {{ i }} as kp_n{{ ' union all' if not loop.last }}
  {%- endfor %}
),
kp_dm_i as (
  select d.*, x.kp_n as kp_i from kp_dm_pairs as d join kp_dm_idx as x on x.kp_n <= d.kp_last
),
kp_dm_ij as (
  select d.*, x.kp_n as kp_j from kp_dm_i as d join kp_dm_idx as x on x.kp_n <= d.kp_last
),
kp_dm_cells as {{ ml_monitor._cte_fence() }} (
  select kp_id, ks_n, kp_k, kp_m, kp_h, kp_i, kp_j,
    -- the row of the first column (or of the last row, mirrored) this cell reads, if any
    case when kp_i = kp_m - 1 then kp_m - 1 - kp_j when kp_j = 0 then kp_i end as kp_r
  from kp_dm_ij
),
kp_dm_h0 as {{ ml_monitor._cte_fence() }} (
  select kp_id, ks_n, kp_id * 64 + kp_i as r, kp_id * 64 + kp_j as c, {{ ml_monitor.double_const(0.0) }} as lsc,
    {{ ml_monitor._dm_cell('kp_i', 'kp_j', 'kp_r', 'kp_h', 'kp_m') }} as val
  from kp_dm_cells
),
kp_dm_p0 as (
  select kp_id, ks_n, kp_id * 64 + kp_i as r, kp_id * 64 + kp_i as c, {{ ml_monitor.double_const(1.0) }} as val, {{ ml_monitor.double_const(0.0) }} as lsc
  from kp_dm_i
),
{%- for b in range(bits) %}
{%- set an = ml_monitor.to_double('coalesce(a.ks_n, 0)') %}
{%- set bit = '(floor(' ~ an ~ ' / ' ~ (2 ** b) ~ ') - 2 * floor(' ~ an ~ ' / ' ~ (2 ** (b + 1)) ~ '))' %}
-- binary digit {{ b }} of n: P <- P H where it is 1{{ ', then H <- H H' if b < bits - 1 }}
kp_dm_p{{ b + 1 }} as (
  {{ ml_monitor._dm_product('kp_dm_p' ~ b, 'kp_dm_h' ~ b, bit ~ ' > 0') }}
  union all
  select a.kp_id, a.ks_n, a.r, a.c, a.val, a.lsc from kp_dm_p{{ b }} as a where {{ bit }} < 1
),
{%- if b < bits - 1 %}
kp_dm_h{{ b + 1 }} as (
  {{ ml_monitor._dm_product('kp_dm_h' ~ b, 'kp_dm_h' ~ b, 'coalesce(a.ks_n, 0) >= ' ~ (2 ** (b + 1))) }}
),
{%- endif %}
{%- endfor %}
kp_dm as (
  select d.kp_id,
    case when p.val > 0 then {{ ml_monitor._exp_floor('ln(p.val) + p.lsc + ' ~ ml_monitor._ln_factorial_col('d.ks_n') ~ ' - d.ks_n * ln(' ~ ml_monitor.to_double('d.ks_n') ~ ')') }}
      else 0.0 end as kp_cdf
  from kp_dm_pairs as d
  join kp_dm_p{{ bits }} as p on p.r = d.kp_id * 64 + d.kp_k - 1 and p.c = d.kp_id * 64 + d.kp_k - 1
)
{%- endmacro %}

{#- The entry H[i, j] of Durbin's matrix (expressions i, j; r: the row of the first column this
    cell reads, if any, see kp_dm_cells; h, m as above). -#}
{% macro _dm_cell(i, j, r, h, m) -%}
    case
      when {{ r }} = {{ m }} - 1 then (1 - 2 * {{ ml_monitor._pow_col(h, m) }}
        + case when 2 * {{ h }} - 1 > 0 then {{ ml_monitor._pow_col('(2 * ' ~ h ~ ' - 1)', m) }} else 0.0 end)
        * {{ ml_monitor._exp_floor('-' ~ ml_monitor._ln_factorial_col(m)) }}
      when {{ r }} is not null then (1 - {{ ml_monitor._pow_col(h, '(' ~ r ~ ' + 1)') }})
        * {{ ml_monitor._exp_floor('-' ~ ml_monitor._ln_factorial_col('(' ~ r ~ ' + 1)')) }}
      when {{ i }} >= {{ j }} - 1 then {{ ml_monitor._exp_floor('-' ~ ml_monitor._ln_factorial_col('(' ~ i ~ ' - ' ~ j ~ ' + 1)')) }}
      else 0.0
    end
{%- endmacro %}

{#- Spark (and Databricks): the same matrix power in one expression per pair, with Spark's
    higher-order functions: each matrix is an array of rows, the power by squaring is an
    aggregate() over the 13 binary digits of n (state: P, its log scale, H^(2^b), its log scale),
    each product rescaled by its largest entry as in _dm_product. Spark's analyzer cannot resolve
    the join form's 25 chained self-joins (DeduplicateRelations runs for tens of minutes); this
    form is one projection. Numbers: the same products and rescaling, summed in the same order
    of the inner index. -#}
{% macro spark___durbin_matrix_ctes() -%}
  {%- set bits = 13 -%}
  {%- set r = '(case when dm_i = kp_m - 1 then kp_m - 1 - dm_j when dm_j = 0 then dm_i end)' -%}
kp_dm_pairs as (
  select kp_id, ks_n, kp_k, ceil(t) - t as kp_h, 2 * kp_k - 1 as kp_m
  from (select kp_methods.*, {{ ml_monitor.to_bigint('ceil(t)') }} as kp_k from kp_methods where kp_method = 'durbin_matrix') as d
),
kp_dm_pow as (
  select kp_id, ks_n, kp_k,
    aggregate(sequence(0, {{ bits - 1 }}),
      named_struct(
        'p', transform(sequence(0, kp_m - 1), dm_i -> transform(sequence(0, kp_m - 1), dm_j -> case when dm_i = dm_j then 1D else 0D end)),
        'pl', 0D,
        'h', transform(sequence(0, kp_m - 1), dm_i -> transform(sequence(0, kp_m - 1), dm_j ->
          cast({{ ml_monitor._dm_cell('dm_i', 'dm_j', r, 'kp_h', 'kp_m') }} as double))),
        'hl', 0D),
      (dm_s, dm_b) ->
        transform(array(case when shiftright(ks_n, dm_b) % 2 = 1
                             then {{ ml_monitor._spark_dm_product('dm_s.p', 'dm_s.pl', 'dm_s.h', 'dm_s.hl') }}
                             else named_struct('m', dm_s.p, 'l', dm_s.pl) end), dm_np ->
          transform(array(case when ks_n >= shiftleft(1L, dm_b + 1)
                               then {{ ml_monitor._spark_dm_product('dm_s.h', 'dm_s.hl', 'dm_s.h', 'dm_s.hl') }}
                               else named_struct('m', dm_s.h, 'l', dm_s.hl) end), dm_nh ->
            named_struct('p', dm_np.m, 'pl', dm_np.l, 'h', dm_nh.m, 'hl', dm_nh.l))[0])[0]
    ) as kp_st
  from kp_dm_pairs
),
kp_dm as (
  select kp_id,
    case when kp_st.p[kp_k - 1][kp_k - 1] > 0
      then {{ ml_monitor._exp_floor('ln(kp_st.p[kp_k - 1][kp_k - 1]) + kp_st.pl + ' ~ ml_monitor._ln_factorial_col('ks_n') ~ ' - ks_n * ln(' ~ ml_monitor.to_double('ks_n') ~ ')') }}
      else 0.0 end as kp_cdf
  from kp_dm_pow
)
{%- endmacro %}

{#- Spark: the product of the square matrices (arrays of rows) `a` and `b` with log scales `al`,
    `bl`, divided by its largest absolute entry: named_struct('m', matrix, 'l', log scale).
    `transform(array(x), v -> f(v))[0]` binds x once. -#}
{% macro _spark_dm_product(a, al, b, bl) -%}
transform(array(transform({{ a }}, dm_ar -> transform(sequence(0, size({{ b }}) - 1), dm_c ->
    aggregate(sequence(0, size({{ b }}) - 1), 0D, (dm_acc, dm_l) -> dm_acc + dm_ar[dm_l] * {{ b }}[dm_l][dm_c])))),
  dm_prod -> transform(array(array_max(transform(dm_prod, dm_pr -> array_max(transform(dm_pr, dm_v -> abs(dm_v)))))),
    dm_mx -> named_struct(
      'm', transform(dm_prod, dm_pr -> transform(dm_pr, dm_v -> case when dm_mx > 0 then dm_v / dm_mx else dm_v end)),
      'l', {{ al }} + {{ bl }} + case when dm_mx > 0 then ln(dm_mx) else 0D end))[0])[0]
{%- endmacro %}

{#- The product of two matrices of rows (kp_id, ks_n, r, c, val, lsc), for the pairs where `cond`
    (on `a.`) holds, divided by its largest entry, the log of that entry added to lsc (keeps H^n
    within doubles: its entries grow like e^n); one select, so that the 13 steps stay 25 CTEs
    (Spark's analyzer gives up on deeper chains). The join is a full join kept inner by
    non-strict filters: a plan can only hash or merge it (planners underestimate these chains
    and would otherwise loop over every pair of rows). -#}
{% macro _dm_product(a, b, cond) -%}
  {%- set prod = 'sum(a.val * h.val)' -%}
  {%- set mx = 'nullif(max(abs(' ~ prod ~ ')) over (partition by a.kp_id), 0)' -%}
  select a.kp_id, a.ks_n, a.r, h.c, {{ prod }} / {{ mx }} as val,
    max(a.lsc) + max(h.lsc) + ln({{ mx }}) as lsc
  from {{ a }} as a
  full join {{ b }} as h on h.r = a.c
  where coalesce(a.c, -1) >= 0 and coalesce(h.r, -1) >= 0 and {{ cond }}
  group by a.kp_id, a.ks_n, a.r, h.c
{%- endmacro %}

{#- base^p for a column base in [0, 1) and a whole p >= 1 (0 for base 0; no underflow error). -#}
{% macro _pow_col(base, p) -%}
  (case when {{ base }} <= 0 then 0.0 else {{ ml_monitor._exp_floor(p ~ ' * ln(' ~ base ~ ')') }} end)
{%- endmacro %}

{#- ln(k!) of a whole-number column k >= 0: exact below 30 (ln of the factorial, a constant),
    Stirling's series above (6 terms: error below 1e-16). -#}
{% macro _ln_factorial_col(k) -%}
  {%- set ns = namespace(f=1.0, whens=[]) -%}
  {%- for i in range(2, 30) -%}
    {%- set ns.f = ns.f * i -%}
    {%- do ns.whens.append('when ' ~ i ~ ' then ln(' ~ ml_monitor.double_const(ns.f) ~ ')') -%}
  {%- endfor -%}
  {%- set kd = ml_monitor.to_double(k) -%}
  (case when {{ k }} < 2 then 0.0 when {{ k }} < 30 then (case {{ k }} {{ ns.whens | join(' ') }} end)
    else {{ kd }} * ln({{ kd }}) - {{ kd }} + 0.5 * ln({{ ml_monitor.double_const(6.283185307179586) }} * {{ kd }})
      + 1 / (12 * {{ kd }}) - 1 / (360 * {{ kd }} * {{ kd }} * {{ kd }}) + 1 / (1260 * power({{ kd }}, 5))
      - 1 / (1680 * power({{ kd }}, 7)) end)
{%- endmacro %}

{#- exp(arg) with the argument floored at -700 (PostgreSQL raises on an underflowing exp(); e^-700
    is far below any p-value that matters); the argument is written once. -#}
{% macro _exp_floor(arg) -%}
  exp(greatest({{ arg }}, {{ ml_monitor.double_const(-700.0) }}))
{%- endmacro %}
