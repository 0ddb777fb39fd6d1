{#- CBPE, part 1: what estimated_performance learns from the labelled reference, computed in
    Jinja at compile time from the reference aggregated by distinct score (one small query),
    so that the current window is scanned once.

    The "plan" (a dict) holds everything the estimate needs:
      reason        why nothing can be estimated (one class, too few rows), or none
      calibrated    whether the scores are calibrated (isotonic regression on the reference)
      points        [(x, y)] the isotonic map as sklearn's IsotonicRegression(out_of_bounds='clip')
                    keeps it (X_thresholds_, y_thresholds_), applied by linear interpolation
      ece_before / ece_after   the calibration decision's evidence (see _cbpe_needs_calibration)
      realized      {metric: value on the reference}   (baseline_value)
      se            {metric: [std, fraction]}  NannyML's sampling-error components
      n_ref, n_pos, n_neg, n_excluded   reference row counts
    The same dict is stored by freeze_calibration and read back by _cbpe_plan_from_map. -#}

{%- macro _cbpe_folds() %}{{ return(10) }}{% endmacro -%}
{%- macro _cbpe_min_class_rows() %}{{ return(10) }}{% endmacro -%}

{#- Pool-adjacent-violators on groups [(x, positives, n)] sorted by distinct x (unit sample
    weights, as NannyML fits it). Block means are compared as exact fractions
    (p1 * n2 vs p2 * n1), so pooling never depends on rounding; equal neighbours are pooled
    as in sklearn / scipy. Returns sklearn's thresholds: per block its first and last x with
    the block mean (points whose y equals both neighbours' are dropped). -#}
{% macro _cbpe_isotonic(groups) -%}
  {%- set bp = [] -%}{%- set bn = [] -%}{%- set bc = [] -%}
  {%- for g in groups -%}
    {%- do bp.append(g[1]) -%}{%- do bn.append(g[2]) -%}{%- do bc.append(1) -%}
    {%- for _ in range(bp | length) -%}
      {%- if (bp | length) < 2 or bp[-2] * bn[-1] < bp[-1] * bn[-2] -%}{%- break -%}{%- endif -%}
      {%- set p = bp.pop() -%}{%- set n = bn.pop() -%}{%- set c = bc.pop() -%}
      {%- do bp.append(bp.pop() + p) -%}{%- do bn.append(bn.pop() + n) -%}{%- do bc.append(bc.pop() + c) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set points = [] -%}
  {%- set ns = namespace(i=0) -%}
  {%- for b in range(bp | length) -%}
    {%- set y = bp[b] / bn[b] -%}
    {%- do points.append((groups[ns.i][0] | float, y)) -%}
    {%- if bc[b] > 1 -%}{%- do points.append((groups[ns.i + bc[b] - 1][0] | float, y)) -%}{%- endif -%}
    {%- set ns.i = ns.i + bc[b] -%}
  {%- endfor -%}
  {{ return(points) }}
{%- endmacro %}

{#- numpy.interp(x, xs, ys) with clipping, as IsotonicRegression.predict, for ascending xs_sorted
    (a list of x); returns the list of calibrated values. -#}
{% macro _cbpe_interp_sorted(points, xs_sorted) -%}
  {%- set out = [] -%}
  {%- set k = points | length -%}
  {%- set ns = namespace(j=0) -%}
  {%- for x in xs_sorted -%}
    {%- if x <= points[0][0] -%}{%- do out.append(points[0][1]) -%}
    {%- elif x >= points[k - 1][0] -%}{%- do out.append(points[k - 1][1]) -%}
    {%- else -%}
      {%- for _ in range(k) -%}
        {%- if points[ns.j + 1][0] > x -%}{%- break -%}{%- endif -%}
        {%- set ns.j = ns.j + 1 -%}
      {%- endfor -%}
      {%- set a = points[ns.j] -%}{%- set b = points[ns.j + 1] -%}
      {%- if x == a[0] -%}{%- do out.append(a[1]) -%}
      {%- else -%}{%- do out.append((b[1] - a[1]) / (b[0] - a[0]) * (x - a[0]) + a[1]) -%}{%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- NannyML's expected calibration error: items [(value, y, n)] sorted by value, cut into
    equal-count bins by position (calibration._get_bin_index_edges), weight = bin share. -#}
{% macro _cbpe_ece(items, total, bin_count=10) -%}
  {%- set bins = bin_count -%}
  {%- if total <= 2 * bins -%}{%- set bins = total // 2 -%}{%- endif -%}
  {%- set width = total // bins -%}
  {%- set edges = range(0, total + 1, width) | list -%}
  {%- do edges.pop() -%}{%- do edges.append(total) -%}
  {%- set ns = namespace(i=0, left=(items[0][2] if items else 0), ece=0.0) -%}
  {%- for e in range(edges | length - 1) -%}
    {%- set size = edges[e + 1] - edges[e] -%}
    {%- set b = namespace(need=size, sp=0.0, sy=0) -%}
    {%- for _ in range(items | length) -%}
      {%- if b.need == 0 -%}{%- break -%}{%- endif -%}
      {%- set take = [b.need, ns.left] | min -%}
      {%- set b.sp = b.sp + items[ns.i][0] * take -%}
      {%- set b.sy = b.sy + items[ns.i][1] * take -%}
      {%- set b.need = b.need - take -%}
      {%- set ns.left = ns.left - take -%}
      {%- if ns.left == 0 and ns.i + 1 < (items | length) -%}
        {%- set ns.i = ns.i + 1 -%}{%- set ns.left = items[ns.i][2] -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set mean_p = b.sp / size -%}{%- set mean_y = b.sy / size -%}
    {%- set ns.ece = ns.ece + (size / total) * ((mean_p - mean_y) | abs) -%}
  {%- endfor -%}
  {{ return(ns.ece) }}
{%- endmacro %}

{#- NannyML's calibration rule (calibration.needs_calibration): fit isotonic regression on
    part of the reference, calibrate the held-out part, and calibrate when the held-out ECE
    after calibration is lower than before. NannyML draws its 10 held-out parts with a seeded
    StratifiedShuffleSplit over the DataFrame's row order; a table has no row order, so here
    the 10 held-out parts are deterministic stratified folds (every 10th row of each class in
    score order). rows: [(fold, x, y, n)]. Returns [needs, ece_before, ece_after]. -#}
{% macro _cbpe_needs_calibration(rows) -%}
  {%- set k = ml_monitor._cbpe_folds() -%}
  {%- set items_before = [] -%}{%- set items_after = [] -%}
  {%- set ns = namespace(total=0) -%}
  {%- for f in range(k) -%}
    {%- set train = {} -%}
    {%- set test = [] -%}
    {%- for r in rows -%}
      {%- if r[0] == f -%}{%- do test.append(r) -%}
      {%- else -%}
        {%- if r[1] not in train -%}{%- do train.update({r[1]: [0, 0]}) -%}{%- endif -%}
        {%- set t = train[r[1]] -%}
        {%- do t.append(t.pop(0) + r[2] * r[3]) -%}{%- do t.append(t.pop(0) + r[3]) -%}
        {#- the two pops/appends keep [positives, n] in order -#}
      {%- endif -%}
    {%- endfor -%}
    {%- if test | length > 0 and train | length > 0 -%}
      {%- set groups = [] -%}
      {%- for x in train.keys() | sort -%}{%- do groups.append((x, train[x][0], train[x][1])) -%}{%- endfor -%}
      {%- set points = ml_monitor._cbpe_isotonic(groups) -%}
      {%- set test_sorted = test | sort(attribute='1') -%}
      {%- set cal = ml_monitor._cbpe_interp_sorted(points, test_sorted | map(attribute='1') | list) -%}
      {%- for r in test_sorted -%}
        {%- do items_before.append((r[1], r[2], r[3])) -%}
        {%- do items_after.append((cal[loop.index0], r[2], r[3])) -%}
        {%- set ns.total = ns.total + r[3] -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if ns.total < 4 -%}{{ return([false, none, none]) }}{%- endif -%}
  {#- sort by value, then label: a stable, documented order for tied values -#}
  {%- set before = ml_monitor._cbpe_ece(items_before | sort(attribute='0,1'), ns.total) -%}
  {%- set after = ml_monitor._cbpe_ece(items_after | sort(attribute='0,1'), ns.total) -%}
  {{ return([before > after, before, after]) }}
{%- endmacro %}

{#- NannyML's sampling-error components (nannyml.sampling_error.binary_classification) from
    the reference's confusion counts and (score, y, n) groups sorted by score. -#}
{% macro _cbpe_sampling_components(tp, fp, fn, tn, score_groups) -%}
  {%- set n = tp + fp + fn + tn -%}
  {%- set se = {} -%}
  {%- set bern = ml_monitor._cbpe_bern -%}
  {%- if n > 0 -%}
    {%- do se.update({'accuracy': [bern((tp + tn) / n), 1.0]}) -%}
    {%- set m = tp + fn + fp -%}
    {%- if m > 0 and (tp + 0.5 * (fn + fp)) > 0 -%}
      {%- set cf = m / ((fn + fp) * 0.5 + tp) -%}
      {%- do se.update({'f1': [cf * bern(tp / m), m / n]}) -%}
    {%- endif -%}
    {%- if tp + fp > 0 -%}{%- do se.update({'precision': [bern(tp / (tp + fp)), (tp + fp) / n]}) -%}{%- endif -%}
    {%- if tp + fn > 0 -%}{%- do se.update({'recall': [bern(tp / (tp + fn)), (tp + fn) / n]}) -%}{%- endif -%}
    {%- if tn + fp > 0 -%}{%- do se.update({'specificity': [bern(tn / (tn + fp)), (tn + fp) / n]}) -%}{%- endif -%}
  {%- endif -%}
  {#- ROC AUC: for each positive (in ascending score order, the minority class taken as
      positive), the number of negatives ranked before it, over the number of negatives; the
      positive at rank 0 is dropped (np.unique(...)[1:]). Tied scores: negatives first. -#}
  {%- set n_pos_all = score_groups | sum(attribute='1') -%}
  {%- set n_all = score_groups | sum(attribute='2') -%}
  {%- if n_all > 0 -%}
    {%- set flip = (n_pos_all / n_all) > 0.5 -%}
    {%- set groups = [] -%}
    {%- for g in score_groups -%}
      {%- if flip -%}{%- do groups.append((1 - g[0], g[2] - g[1], g[1])) -%}
      {%- else -%}{%- do groups.append((g[0], g[1], g[2] - g[1])) -%}{%- endif -%}
    {%- endfor -%}
    {%- set groups = groups | sort(attribute='0') -%}
    {%- set n_pos = groups | sum(attribute='1') -%}
    {%- set n_neg = groups | sum(attribute='2') -%}
    {%- if n_pos > 0 and n_neg > 0 -%}
      {%- set vals = [] -%}
      {%- set ns = namespace(neg=0, first=true) -%}
      {%- for g in groups -%}
        {%- set ns.neg = ns.neg + g[2] -%}
        {%- set cnt = g[1] - (1 if (ns.first and g[2] == 0 and g[1] > 0) else 0) -%}
        {%- if cnt > 0 -%}{%- do vals.append((ns.neg / n_neg, cnt)) -%}{%- endif -%}
        {%- set ns.first = false -%}
      {%- endfor -%}
      {%- set m = vals | sum(attribute='1') -%}
      {%- if m > 0 -%}
        {%- set ns2 = namespace(s=0.0, v=0.0) -%}
        {%- for v in vals -%}{%- set ns2.s = ns2.s + v[0] * v[1] -%}{%- endfor -%}
        {%- set mean = ns2.s / m -%}
        {%- for v in vals -%}{%- set ns2.v = ns2.v + v[1] * (v[0] - mean) ** 2 -%}{%- endfor -%}
        {%- do se.update({'roc_auc': [(ns2.v / m) ** 0.5, n_pos / n_all]}) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(se) }}
{%- endmacro %}

{#- np.std of a 0/1 vector whose share of ones is a. -#}
{% macro _cbpe_bern(a) %}{{ return((a * (1 - a)) ** 0.5) }}{% endmacro %}

{#- Realized metrics on the reference (the baseline): sklearn's definitions, zero when a
    denominator is zero; ROC AUC by the rank sum with ties averaged. -#}
{% macro _cbpe_realized(tp, fp, fn, tn, score_groups) -%}
  {%- set n = tp + fp + fn + tn -%}
  {%- set out = {} -%}
  {%- if n > 0 -%}
    {%- do out.update({'accuracy': (tp + tn) / n,
                       'precision': (tp / (tp + fp)) if tp + fp > 0 else 0.0,
                       'recall': (tp / (tp + fn)) if tp + fn > 0 else 0.0,
                       'specificity': (tn / (tn + fp)) if tn + fp > 0 else 0.0,
                       'f1': (2 * tp / (2 * tp + fp + fn)) if 2 * tp + fp + fn > 0 else 0.0}) -%}
  {%- endif -%}
  {%- set ns = namespace(neg_below=0, u=0.0, p=0, q=0) -%}
  {%- for g in score_groups -%}
    {%- set neg = g[2] - g[1] -%}
    {%- set ns.u = ns.u + g[1] * (ns.neg_below + 0.5 * neg) -%}
    {%- set ns.neg_below = ns.neg_below + neg -%}
    {%- set ns.p = ns.p + g[1] -%}
  {%- endfor -%}
  {%- if ns.p > 0 and ns.neg_below > 0 -%}{%- do out.update({'roc_auc': ns.u / (ns.p * ns.neg_below)}) -%}{%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- The plan from a reference relation. setup: test, relation, reference, reference_filter,
    score_sql, label_sql, pred_sql (or none), pos, calibration ('auto' | 'isotonic' | 'none'). -#}
{% macro _cbpe_plan_from_reference(setup) -%}
  {%- if ml_monitor._drift_render_only() -%}
    {#- compile-only dialects: no query; a stand-in map renders every branch of the SQL -#}
    {{ return({'reason': none, 'calibrated': true, 'points': [(0.1, 0.0), (0.5, 0.5), (0.9, 1.0)], 'ece_before': 0.1,
               'ece_after': 0.05, 'n_ref': 100, 'n_pos': 50, 'n_neg': 50, 'n_excluded': 0, 'calibration': setup.calibration,
               'realized': {'roc_auc': 0.5, 'accuracy': 0.5, 'precision': 0.5, 'recall': 0.5, 'specificity': 0.5, 'f1': 0.5},
               'se': {'roc_auc': [0.1, 0.5], 'accuracy': [0.1, 1.0], 'precision': [0.1, 0.5], 'recall': [0.1, 0.5],
                      'specificity': [0.1, 0.5], 'f1': [0.1, 0.5]}}) }}
  {%- endif -%}
  {%- set folds = ml_monitor._cbpe_folds() -%}
  {%- set pred_valid = (' and ' ~ setup.pred_sql ~ ' is not null') if setup.pred_sql is not none else '' -%}
  {%- set pred01 = ('case when ' ~ setup.pred_sql ~ ' = ' ~ setup.pos ~ ' then 1 else 0 end') if setup.pred_sql is not none else '0' -%}
  {%- set sql -%}
with mm_ref as (
  select {{ ml_monitor.to_double(setup.score_sql) }} as mm_s, {{ setup.label_sql }} as mm_label,
         {{ pred01 }} as mm_p, {{ (setup.pred_sql ~ ' is null') if setup.pred_sql is not none else '1 = 0' }} as mm_pred_null
  from {{ setup.reference }}
  where {{ setup.reference_filter }}
),
mm_flagged as (
  select mm_s, mm_p,
    case when mm_label is null then null when mm_label = {{ setup.pos }} then 1 else 0 end as mm_y,
    case when mm_s is null or mm_s < 0 or mm_s > 1 or mm_label is null or mm_pred_null then 1 else 0 end as mm_bad
  from mm_ref
),
-- stratified deterministic folds for the calibration decision: every 10th row of each class in score order
mm_valid as (
  select mm_s, mm_y, mm_p, (row_number() over (partition by mm_y order by mm_s) - 1) % {{ folds }} as mm_fold
  from mm_flagged where mm_bad = 0
)
select {{ ml_monitor.to_bigint('mm_fold') }} as fold, mm_s as s, {{ ml_monitor.to_bigint('mm_y') }} as y,
       {{ ml_monitor.to_bigint('mm_p') }} as p, count(*) as n, {{ ml_monitor.to_bigint('0') }} as bad
from mm_valid group by mm_fold, mm_s, mm_y, mm_p
union all
select {{ ml_monitor.to_bigint('-1') }}, {{ ml_monitor.to_double('null') }}, {{ ml_monitor.to_bigint('null') }},
       {{ ml_monitor.to_bigint('null') }}, count(*), {{ ml_monitor.to_bigint('sum(mm_bad)') }}
from mm_flagged
  {%- endset -%}
  {%- set rows = [] -%}
  {%- set ns = namespace(n_rows=0, n_bad=0, tp=0, fp=0, fn=0, tn=0) -%}
  {%- set by_score = {} -%}
  {%- for r in ml_monitor._query_rows(sql) -%}
    {%- if (r['fold'] | int) < 0 -%}
      {%- set ns.n_rows = r['n'] | int -%}{%- set ns.n_bad = (r['bad'] or 0) | int -%}
    {%- else -%}
      {%- set s = r['s'] | float -%}{%- set y = r['y'] | int -%}{%- set p = r['p'] | int -%}{%- set n = r['n'] | int -%}
      {%- do rows.append((r['fold'] | int, s, y, n)) -%}
      {%- if s not in by_score -%}{%- do by_score.update({s: [0, 0]}) -%}{%- endif -%}
      {%- set t = by_score[s] -%}
      {%- do t.append(t.pop(0) + y * n) -%}{%- do t.append(t.pop(0) + n) -%}
      {%- if p == 1 and y == 1 -%}{%- set ns.tp = ns.tp + n -%}
      {%- elif p == 1 -%}{%- set ns.fp = ns.fp + n -%}
      {%- elif y == 1 -%}{%- set ns.fn = ns.fn + n -%}
      {%- else -%}{%- set ns.tn = ns.tn + n -%}{%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set groups = [] -%}
  {%- for s in by_score.keys() | sort -%}{%- do groups.append((s, by_score[s][0], by_score[s][1])) -%}{%- endfor -%}
  {%- set n_pos = ns.tp + ns.fn -%}{%- set n_neg = ns.fp + ns.tn -%}
  {%- set plan = {'reason': none, 'calibrated': false, 'points': [], 'ece_before': none, 'ece_after': none,
                  'n_ref': ns.tp + ns.fp + ns.fn + ns.tn, 'n_pos': n_pos, 'n_neg': n_neg, 'n_excluded': ns.n_bad,
                  'calibration': setup.calibration, 'realized': {}, 'se': {}} -%}
  {%- set least = ml_monitor._cbpe_min_class_rows() -%}
  {%- if n_pos < least or n_neg < least -%}
    {%- do plan.update({'reason': 'reference has ' ~ n_pos ~ ' positive and ' ~ n_neg ~ ' negative usable rows'
        ~ ((' (' ~ ns.n_bad ~ ' of ' ~ ns.n_rows ~ ' excluded: null or out-of-range score, null label or prediction)') if ns.n_bad > 0 else '')
        ~ '; at least ' ~ least ~ ' of each class are needed to calibrate and estimate'}) -%}
    {{ return(plan) }}
  {%- endif -%}
  {%- do plan.update({'realized': ml_monitor._cbpe_realized(ns.tp, ns.fp, ns.fn, ns.tn, groups),
                      'se': ml_monitor._cbpe_sampling_components(ns.tp, ns.fp, ns.fn, ns.tn, groups)}) -%}
  {%- if setup.calibration == 'isotonic' -%}
    {%- do plan.update({'calibrated': true}) -%}
  {%- elif setup.calibration == 'auto' -%}
    {#- NannyML: no calibration when the reference AUC is above 0.999 -#}
    {%- if plan.realized.roc_auc is defined and plan.realized['roc_auc'] > 0.999 -%}
      {%- do plan.update({'calibrated': false}) -%}
    {%- else -%}
      {%- set decision = ml_monitor._cbpe_needs_calibration(rows) -%}
      {%- do plan.update({'calibrated': decision[0], 'ece_before': decision[1], 'ece_after': decision[2]}) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if plan.calibrated -%}{%- do plan.update({'points': ml_monitor._cbpe_isotonic(groups)}) -%}{%- endif -%}
  {{ return(plan) }}
{%- endmacro %}

{#- SQL applying the plan's isotonic map to a double expression: numpy.interp between the
    thresholds (clipped outside them), as a binary search of nested CASEs (depth log2 of the
    number of thresholds), the constants rendered as exact doubles. -#}
{% macro _cbpe_calibrated_sql(plan, s) -%}
  {%- if not plan.calibrated -%}{{ return(s) }}{%- endif -%}
  {%- set pts = plan.points -%}
  {%- set c = ml_monitor.double_const -%}
  {%- if pts | length == 1 -%}{{ return(c(pts[0][1])) }}{%- endif -%}
  {%- set k = pts | length -%}
  {{ return('case when ' ~ s ~ ' <= ' ~ c(pts[0][0]) ~ ' then ' ~ c(pts[0][1])
            ~ ' when ' ~ s ~ ' >= ' ~ c(pts[k - 1][0]) ~ ' then ' ~ c(pts[k - 1][1])
            ~ ' else ' ~ ml_monitor._cbpe_interp_sql(pts, 0, k - 2, s) ~ ' end') }}
{%- endmacro %}

{% macro _cbpe_interp_sql(pts, lo, hi, s) -%}
  {%- set c = ml_monitor.double_const -%}
  {%- if lo == hi -%}
    {%- set a = pts[lo] -%}{%- set b = pts[lo + 1] -%}
    {%- if a[1] == b[1] -%}{{ return(c(a[1])) }}{%- endif -%}
    {{ return('(' ~ c((b[1] - a[1]) / (b[0] - a[0])) ~ ' * (' ~ s ~ ' - ' ~ c(a[0]) ~ ') + ' ~ c(a[1]) ~ ')') }}
  {%- endif -%}
  {%- set mid = (lo + hi) // 2 -%}
  {{ return('case when ' ~ s ~ ' < ' ~ c(pts[mid + 1][0]) ~ ' then ' ~ ml_monitor._cbpe_interp_sql(pts, lo, mid, s)
            ~ ' else ' ~ ml_monitor._cbpe_interp_sql(pts, mid + 1, hi, s) ~ ' end') }}
{%- endmacro %}
