{#- p-values of the drift tests, in SQL (the same expression on every engine). Every series
    below has positive terms or converges geometrically, so a fixed number of terms gives
    the value to ~1e-15 absolute; exponents are clamped at -700 (PostgreSQL raises on an
    underflowing exp(), and e^-700 is far below any useful p-value). -#}

{#- exp(arg) with the argument clamped at -700. -#}
{% macro _exp_clamped(arg) -%}
  exp(case when ({{ arg }}) < -700 then {{ ml_monitor.double_const(-700.0) }} else ({{ arg }}) end)
{%- endmacro %}

{#- ln of a product of positive numbers known at compile time, as SQL: ln(c1) + ln(c2) + ...,
    with each chunk kept below 1e250 so that no double overflows (Jinja has no log). -#}
{% macro _ln_product_sql(factors) -%}
  {%- set ns = namespace(p=1.0, chunks=[]) -%}
  {%- for f in factors -%}
    {%- if ns.p * f > 1.0e250 -%}
      {%- do ns.chunks.append(ns.p) -%}
      {%- set ns.p = 1.0 -%}
    {%- endif -%}
    {%- set ns.p = ns.p * f -%}
  {%- endfor -%}
  {%- do ns.chunks.append(ns.p) -%}
  {%- set parts = [] -%}
  {%- for c in ns.chunks -%}{%- do parts.append('ln(' ~ ml_monitor.double_const(c) ~ ')') -%}{%- endfor -%}
  {{ return('(' ~ parts | join(' + ') ~ ')') }}
{%- endmacro %}

{#- ln(i!) -#}
{% macro _ln_factorial_sql(i) -%}
  {%- set factors = [] -%}
  {%- for j in range(2, i + 1) -%}{%- do factors.append(j * 1.0) -%}{%- endfor -%}
  {{ return(ml_monitor._ln_product_sql(factors) if factors else '0.0') }}
{%- endmacro %}

{#- ln Gamma(i + 3/2) = ln(sqrt(pi) * prod_{j=0..i} (j + 1/2)) -#}
{% macro _ln_gamma_half_sql(i) -%}
  {%- set factors = [1.7724538509055159] -%}
  {%- for j in range(0, i + 1) -%}{%- do factors.append(j + 0.5) -%}{%- endfor -%}
  {{ return(ml_monitor._ln_product_sql(factors)) }}
{%- endmacro %}

{#- Survival function of the chi-square distribution, P(X > x) with `dof` degrees of freedom
    (x, dof: columns, dof a whole number <= max_dof; h, lnh: columns holding x / 2 and
    ln(x / 2), null when x <= 0), as scipy.stats.chi2.sf: the
    regularized upper incomplete gamma Q(dof/2, x/2) by its closed forms
      dof even (a = k):       Q = e^-h * sum_{i<k} h^i / i!
      dof odd  (a = k + 1/2): Q = erfc(sqrt h) + e^-h * sum_{i<k} h^(i+1/2) / Gamma(i + 3/2)
    with h = x/2, and erfc(sqrt h) = 1 - e^-h * sum_{n>=0} h^(n+1/2) / Gamma(n + 3/2) (positive
    terms; 110 of them reach 1e-19 for h <= 40; for h > 40, erfc(sqrt h) < 1e-18 is 0).
    dof = 0 -> 1, as scipy.stats.chi2_contingency. Rounding can put the result 1e-16 outside
    [0, 1]: callers clamp it (_clamp01). -#}
{% macro _chi2_sf_sql(x, dof, max_dof, h, lnh) -%}
  {%- set max_k = ((max_dof + 1) // 2) | int -%}
  {%- set even_terms = [] -%}
  {%- set odd_terms = [] -%}
  {%- for i in range(0, max_k) -%}
    {%- do even_terms.append('case when ' ~ i ~ ' < (' ~ dof ~ ') / 2.0 then '
          ~ ml_monitor._exp_clamped('-' ~ h ~ ' + ' ~ i ~ ' * ' ~ lnh ~ ' - ' ~ ml_monitor._ln_factorial_sql(i)) ~ ' else 0 end') -%}
    {%- do odd_terms.append('case when ' ~ i ~ ' < ((' ~ dof ~ ') - 1) / 2.0 then '
          ~ ml_monitor._exp_clamped('-' ~ h ~ ' + ' ~ (i + 0.5) ~ ' * ' ~ lnh ~ ' - ' ~ ml_monitor._ln_gamma_half_sql(i)) ~ ' else 0 end') -%}
  {%- endfor -%}
  {%- set erf_terms = [] -%}
  {%- for n in range(0, 111) -%}
    {%- do erf_terms.append(ml_monitor._exp_clamped('-' ~ h ~ ' + ' ~ (n + 0.5) ~ ' * ' ~ lnh ~ ' - ' ~ ml_monitor._ln_gamma_half_sql(n))) -%}
  {%- endfor -%}
  (case
    when ({{ x }}) is null or ({{ dof }}) is null then null
    when ({{ dof }}) <= 0 or ({{ x }}) <= 0 then 1.0
    when floor(({{ dof }}) / 2.0) * 2 = ({{ dof }}) then {{ (even_terms | join('\n      + ')) if even_terms else '1.0' }}
    else (case when {{ h }} > 40 then 0.0 else 1.0 - ({{ erf_terms | join(' + ') }}) end)
      {{- ('\n      + ' ~ odd_terms | join('\n      + ')) if odd_terms else '' }}
  end)
{%- endmacro %}

{#- A probability column clamped to [0, 1] (x: a column name, repeated). -#}
{% macro _clamp01(x) -%}
  (case when {{ x }} < 0 then 0.0 when {{ x }} > 1 then 1.0 else {{ x }} end)
{%- endmacro %}

{#- A p-value for the detail text: 4 decimals, '< 0.0001' below that. -#}
{% macro _fmt_pvalue(expr) -%}
  case when {{ expr }} < 0.0001 then '< 0.0001' else {{ ml_monitor._fmt(expr, 4) }} end
{%- endmacro %}
