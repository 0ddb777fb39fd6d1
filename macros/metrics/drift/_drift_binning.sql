{#- The binning engine behind psi, js_distance, prediction_drift and freeze_baseline.

    1. _drift_plan(): the bins of every column, computed BEFORE the main query
       (run_query: one scan of the reference for every numeric column's quantile
       edges, one grouped scan for every categorical column's categories; or one
       read of a frozen baseline). Bins are rendered as literals into a
       `case when x <= e1 then 1 when x <= e2 then 2 ... end`, which engines
       evaluate fast and which is the same SQL on every engine.
    2. _drift_binned_ctes(): one scan of the current window (and one of the
       reference, unless a baseline is used) counting every column's bins for the
       overall row and every segment in the same aggregate (grouping sets, or a
       stack() generator on Spark), then the cells, shares, PSI and JS terms per
       (segment, column).

    Bin indexes: -1 null, -2 non-finite (NaN, +/-inf: never counted), 0 categories
    unseen in the reference, 1..K the bins / reference categories. -#}


{#- Binning: arguments, and the bins of every column (edges or categories) planned before
    the main query. -#}

{#- Parses `binning`, `bins`, `epsilon`; returns a dict. -#}
{% macro _drift_binning_args(test, relation, binning, bins, epsilon, max_categories) -%}
  {%- do ml_monitor._check_choice(test, relation, 'binning', binning, ['quantile', 'equal_width', 'evidently']) -%}
  {%- if bins == 'sturges' -%}
    {%- if binning == 'quantile' -%}
      {{ ml_monitor._arg_error(test, relation, 'bins', "'sturges' needs binning: equal_width (quantile binning takes a whole number of bins)", bins) }}
    {%- endif -%}
  {%- elif bins is none and binning == 'evidently' -%}
    {%- set bins = 'sturges' -%}
  {%- elif bins is boolean or bins is not number or bins is not integer or bins < 2 -%}
    {#- one bin holds every row on both sides: PSI 0 whatever moved -#}
    {{ ml_monitor._arg_error(test, relation, 'bins', "must be a whole number >= 2" ~ (" or 'sturges'" if binning != 'quantile' else ""), bins, got_string=true) }}
  {%- endif -%}
  {%- if binning == 'evidently' and bins != 'sturges' -%}
    {{ ml_monitor._arg_error(test, relation, 'bins', "binning: evidently always uses 'sturges' bins (leave bins out)", bins) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'epsilon', epsilon, required=true, min=0) -%}
  {%- if epsilon <= 0 -%}
    {{ ml_monitor._arg_error(test, relation, 'epsilon', "must be a number > 0 (empty bins get this share)", epsilon) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'max_categories', max_categories, required=true, min=1, integer=true) -%}
  {{ return({'binning': binning, 'bins': bins, 'epsilon': epsilon, 'max_categories': max_categories,
             'zero_fill': 'evidently' if binning == 'evidently' else 'floor'}) }}
{%- endmacro %}

{#- A label number: short, for humans. -#}
{% macro _edge_text(x) -%}
  {%- set v = x | float -%}
  {#- %g turns numbers of 1e6 and more into 1.7e+12; write them out, to 2 decimals at most, up to
      1e16 (beyond, %.2f writes digits a double does not have: 301 of them for 1e300); then the
      shortest text that reads back as the same double -#}
  {%- if (v - v) == 0 and (v >= 1e16 or v <= -1e16) -%}{{ return(v | string) }}{%- endif -%}
  {%- if (v - v) == 0 and (v >= 1000000 or v <= -1000000) -%}
    {%- set text = "%.2f" | format(v) -%}
    {{ return(text.rstrip('0').rstrip('.') if '.' in text else text) }}
  {%- endif -%}
  {{ return("%.6g" | format(v)) }}
{%- endmacro %}

{#- Bins of a numeric column from sorted unique edges: (-inf, e1], (e1, e2], ..., (em, +inf). -#}
{% macro _quantile_bins(edges) -%}
  {%- set bins = [] -%}
  {%- set ns = namespace(prev='-inf') -%}
  {%- for e in edges -%}
    {%- do bins.append({'index': loop.index, 'label': '(' ~ ns.prev ~ ', ' ~ ml_monitor._edge_text(e) ~ ']',
                        'upper': e, 'category': none, 'cond': '<= ' ~ ml_monitor.double_const(e)}) -%}
    {%- set ns.prev = ml_monitor._edge_text(e) -%}
  {%- endfor -%}
  {%- do bins.append({'index': edges | length + 1, 'label': '(' ~ ns.prev ~ ', +inf)', 'upper': none, 'category': none, 'cond': none}) -%}
  {{ return(bins) }}
{%- endmacro %}

{#- numpy.histogram_bin_edges(ref ∪ cur, bins) reproduced exactly: equal-width edges
    from min to max (±0.5 when min = max); 'sturges' = ceil(ptp / (ptp / (log2 n + 1)))
    bins (1 when ptp = 0; width at least 1 for integer columns, as numpy does).
    Bins are [e0, e1), [e1, e2), ..., [e(n-1), en] like numpy.histogram. No bins (a list of none)
    when two edges are the same double (bins narrower than the values' precision: 10 bins over
    2^53 .. 2^53 + 9), where numpy raises 'Too many bins for data range'. -#}
{% macro _equal_width_bins(info, bins, is_integer) -%}
  {%- set lo = info.lo | float -%}
  {%- set hi = info.hi | float -%}
  {%- set ptp = hi - lo -%}
  {%- set first = lo - 0.5 if lo == hi else lo -%}
  {%- set last = hi + 0.5 if lo == hi else hi -%}
  {%- if bins == 'sturges' -%}
    {%- set width = ptp / ((info.log2n | float) + 1.0) -%}
    {%- if width > 0 -%}
      {%- if is_integer and width < 1 -%}{%- set width = 1.0 -%}{%- endif -%}
      {%- set nb = ((last - first) / width) | round(0, 'ceil') | int -%}
    {%- else -%}
      {%- set nb = 1 -%}
    {%- endif -%}
  {%- else -%}
    {%- set nb = bins -%}
  {%- endif -%}
  {%- set step = (last - first) / nb -%}
  {%- set edges = [] -%}
  {%- for k in range(nb + 1) -%}
    {%- do edges.append(last if k == nb else (k * step + first)) -%}
  {%- endfor -%}
  {%- for k in range(nb) -%}
    {%- if not (edges[k] < edges[k + 1]) -%}{{ return(none) }}{%- endif -%}
  {%- endfor -%}
  {%- set out = [] -%}
  {%- for k in range(1, nb + 1) -%}
    {%- set closing = ']' if k == nb else ')' -%}
    {%- do out.append({'index': k, 'label': '[' ~ ml_monitor._edge_text(edges[k - 1]) ~ ', ' ~ ml_monitor._edge_text(edges[k]) ~ closing,
                       'upper': edges[k], 'category': none,
                       'cond': ('< ' ~ ml_monitor.double_const(edges[k])) if k < nb else none}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- One bin per value. -#}
{% macro _value_bins(values, numeric) -%}
  {%- set out = [] -%}
  {%- for v in values -%}
    {%- if numeric -%}
      {%- do out.append({'index': loop.index, 'label': v, 'upper': none, 'category': v, 'cond': '= ' ~ ml_monitor.double_const(v)}) -%}
    {%- else -%}
      {%- do out.append({'index': loop.index, 'label': "'" ~ v ~ "'", 'upper': none, 'category': v, 'cond': '= ' ~ ml_monitor.string_literal(v)}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- The bins of every column. Each column dict gains: bins (valid bins with a
    condition; the last one without is the `else`), else_index, unseen (bool: has
    a bin 0), reason (why the column cannot be evaluated, or none). -#}
{% macro _drift_plan(setup, cols, args) -%}
  {%- if setup.baseline is not none -%}{{ return(ml_monitor._drift_baseline_plan(setup, cols)) }}{%- endif -%}
  {%- set numeric = cols | selectattr('kind', 'equalto', 'numeric') | list -%}
  {%- set categorical = cols | selectattr('kind', 'equalto', 'categorical') | list -%}
  {%- set profile = ml_monitor._drift_profile(setup, numeric, args) if numeric else {} -%}
  {%- set by_value = [] -%}
  {%- for c in numeric -%}
    {%- if args.binning == 'evidently' and (profile[c.idx].nd | int) <= 20 -%}{%- do by_value.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- set distinct_cols = categorical + by_value -%}
  {%- set values = ml_monitor._drift_distinct(setup, distinct_cols, args.max_categories, args.binning == 'evidently') if distinct_cols else {} -%}
  {%- set planned = [] -%}
  {%- for c in cols -%}
    {%- set p = c.copy() -%}
    {%- do p.update({'reason': none, 'unseen': false}) -%}
    {%- if c.idx in values -%}
      {%- set vals = values[c.idx] -%}
      {%- if vals | length > args.max_categories -%}
        {%- do p.update({'bins': [], 'reason': 'more than ' ~ args.max_categories ~ ' distinct values (max_categories): too many to bin one per value'}) -%}
      {%- else -%}
        {%- do p.update({'bins': ml_monitor._value_bins(vals, c.kind == 'numeric')}) -%}
      {%- endif -%}
      {%- do p.update({'unseen': args.binning != 'evidently'}) -%}
    {%- elif args.binning == 'quantile' -%}
      {%- do p.update({'bins': ml_monitor._quantile_bins(profile[c.idx].edges)}) -%}
    {%- elif profile[c.idx].lo is none -%}
      {%- do p.update({'bins': [{'index': 1, 'label': '(-inf, +inf)', 'upper': none, 'category': none, 'cond': none}]}) -%}
    {%- else -%}
      {%- set ew = ml_monitor._equal_width_bins(profile[c.idx], args.bins, c.is_integer) -%}
      {%- if ew is none -%}
        {%- do p.update({'bins': [], 'reason': 'too many bins for the data range: equal-width bins between '
                         ~ ml_monitor._edge_text(profile[c.idx].lo) ~ ' and ' ~ ml_monitor._edge_text(profile[c.idx].hi)
                         ~ ' narrower than double precision (numpy.histogram_bin_edges refuses them too)'}) -%}
      {%- else -%}
        {%- do p.update({'bins': ew}) -%}
      {%- endif -%}
    {%- endif -%}
    {%- do planned.append(p) -%}
  {%- endfor -%}
  {{ return(planned) }}
{%- endmacro %}
