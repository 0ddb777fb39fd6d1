{#- CBPE, part 1: what estimated_performance learns from the labelled reference, computed at
    compile time by a few queries on the reference (see below for what runs where), so that the
    current window is scanned once.

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

{#- How the fit is split between SQL and Jinja (so that a reference of 100,000 distinct scores
    fits in seconds: every loop over the reference's rows or distinct scores runs in the
    warehouse; Jinja only sees a few summary rows and the isotonic blocks):
      1. _cbpe_ref_stats_sql: one row of counts - the confusion cells, ROC AUC's rank sum and
         NannyML's ROC AUC sampling-error components (running sums over distinct scores);
      2. _cbpe_blocks_sql: the isotonic fits (the whole reference, and for the calibration
         decision each of the ten "all but one fold" parts), as rounds of pool-adjacent-violators
         in SQL - each round pools every maximal run of non-increasing block means (a sequence of
         valid adjacent-violator pools, so the blocks stay inside the final ones); _cbpe_isotonic
         finishes the pooling in Jinja on the few blocks left;
      3. _cbpe_ece_sql: the decision's expected calibration errors, the held-out rows calibrated
         by their fold's map (rendered as nested CASEs) and cut into equal-count bins by position.
    Block means are compared as exact integer products (p1 * n2 vs p2 * n1) in both. -#}

{%- macro _cbpe_pava_rounds() %}{{ return(12) }}{% endmacro -%}

{#- Pool-adjacent-violators on blocks [(first x, last x, positives, n, distinct x)] sorted by x
    (unit sample weights, as NannyML fits it). Block means are compared as exact fractions, so
    pooling never depends on rounding; equal neighbours are pooled as in sklearn / scipy.
    Returns sklearn's thresholds: per block its first and last x with the block mean. -#}
{% macro _cbpe_isotonic(blocks) -%}
  {%- set st = [] -%}
  {%- for g in blocks -%}
    {%- set cur = namespace(lo=g[0], hi=g[1], p=g[2], n=g[3], c=g[4]) -%}
    {%- for _ in range(st | length + 1) -%}
      {%- if (st | length) == 0 or st[-1][2] * cur.n < cur.p * st[-1][3] -%}{%- break -%}{%- endif -%}
      {%- set t = st.pop() -%}
      {%- set cur.lo = t[0] -%}{%- set cur.p = cur.p + t[2] -%}{%- set cur.n = cur.n + t[3] -%}{%- set cur.c = cur.c + t[4] -%}
    {%- endfor -%}
    {%- do st.append((cur.lo, cur.hi, cur.p, cur.n, cur.c)) -%}
  {%- endfor -%}
  {%- set points = [] -%}
  {%- for b in st -%}
    {%- set y = b[2] / b[3] -%}
    {%- do points.append((b[0] | float, y)) -%}
    {%- if b[4] > 1 -%}{%- do points.append((b[1] | float, y)) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(points) }}
{%- endmacro %}

{#- The reference's usable rows with their decision fold (every 10th row of each class in score
    order): mm_valid (mm_s, mm_y, mm_p, mm_fold); mm_flagged keeps the excluded ones. -#}
{% macro _cbpe_ref_ctes(setup) -%}
  {%- set pred01 = ('case when ' ~ setup.pred_sql ~ ' = ' ~ setup.pos ~ ' then 1 else 0 end') if setup.pred_sql is not none else '0' -%}
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
mm_valid as (
  select mm_s, mm_y, mm_p, (row_number() over (partition by mm_y order by mm_s) - 1) % {{ ml_monitor._cbpe_folds() }} as mm_fold
  from mm_flagged where mm_bad = 0
)
{%- endmacro %}

{#- One row: row counts, the confusion cells, ROC AUC's doubled rank sum u2 (ties averaged:
    sum of positives * (2 * negatives below + negatives tied)), and NannyML's ROC AUC sampling
    components: with the minority class as positive (scores flipped to 1 - s when positives are
    the majority; ties in 1 - s keep ascending s), each positive's share of negatives ranked up to
    and including its score, the first positive dropped when the lowest score has no negative;
    auc_m, auc_mean, auc_ss are the count, mean and sum of squared deviations of those shares. -#}
{% macro _cbpe_ref_stats_sql(setup) -%}
  {%- set b = ml_monitor.to_bigint -%}{%- set d = ml_monitor.to_double -%}
{{ ml_monitor._cbpe_ref_ctes(setup) }},
mm_sg as (select mm_s as s, {{ b('sum(mm_y)') }} as pos, {{ b('count(*)') }} as n from mm_valid group by mm_s),
mm_tot as (select {{ b('sum(pos)') }} as tp_all, {{ b('sum(n)') }} as n_all from mm_sg),
mm_u as (
  select pos, n - pos as neg,
         {{ b('sum(n - pos) over (order by s rows between unbounded preceding and current row)') }} - (n - pos) as neg_below
  from mm_sg
),
mm_o as (
  select g.s,
         case when 2 * t.tp_all > t.n_all then 1 - g.s else g.s end as k,
         case when 2 * t.tp_all > t.n_all then g.n - g.pos else g.pos end as pp,
         case when 2 * t.tp_all > t.n_all then g.pos else g.n - g.pos end as nn
  from mm_sg g cross join mm_tot t
),
mm_c as (
  select pp, nn,
         {{ b('sum(nn) over (order by k, s rows between unbounded preceding and current row)') }} as cneg,
         {{ b('sum(nn) over ()') }} as nneg,
         row_number() over (order by k, s) as rn
  from mm_o
),
mm_v as (
  select pp - case when rn = 1 and nn = 0 and pp > 0 then 1 else 0 end as cnt,
         case when nneg > 0 then {{ d('cneg') }} / nneg end as v
  from mm_c
),
mm_vm as (
  select {{ b('sum(cnt)') }} as auc_m,
         sum(cnt * v) / {{ d('nullif(sum(cnt), 0)') }} as auc_mean
  from mm_v where cnt > 0
),
mm_vv as (
  select sum(v.cnt * (v.v - m.auc_mean) * (v.v - m.auc_mean)) as auc_ss
  from mm_v v cross join mm_vm m where v.cnt > 0
)
select
  (select {{ b('count(*)') }} from mm_flagged) as n_rows,
  (select {{ b('sum(mm_bad)') }} from mm_flagged) as n_bad,
  (select {{ b('sum(case when mm_p = 1 and mm_y = 1 then 1 else 0 end)') }} from mm_valid) as tp,
  (select {{ b('sum(case when mm_p = 1 and mm_y = 0 then 1 else 0 end)') }} from mm_valid) as fp,
  (select {{ b('sum(case when mm_p = 0 and mm_y = 1 then 1 else 0 end)') }} from mm_valid) as fn,
  (select {{ b('sum(case when mm_p = 0 and mm_y = 0 then 1 else 0 end)') }} from mm_valid) as tn,
  (select {{ b('sum(pos * (2 * neg_below + neg))') }} from mm_u) as u2,
  (select sum(pp) from mm_c) as auc_pos,
  (select max(nneg) from mm_c) as auc_neg,
  (select auc_m from mm_vm) as auc_m,
  (select auc_mean from mm_vm) as auc_mean,
  (select auc_ss from mm_vv) as auc_ss
{%- endmacro %}

{#- The isotonic blocks after the SQL rounds: part -1 is the whole reference, part f (with
    folds) the reference without fold f. Rows (part, lo, hi, pos, n, c) ordered by part, lo. -#}
{% macro _cbpe_blocks_sql(setup, folds) -%}
  {%- set b = ml_monitor.to_bigint -%}
  {%- set win = 'over (partition by part order by lo)' -%}
{{ ml_monitor._cbpe_ref_ctes(setup) }},
mm_g as (select mm_fold as fold, mm_s as s, {{ b('sum(mm_y)') }} as pos, {{ b('count(*)') }} as n from mm_valid group by mm_fold, mm_s),
mm_a as (select s, {{ b('sum(pos)') }} as pos, {{ b('sum(n)') }} as n from mm_g group by s),
mm_b0 as (
  select {{ b('-1') }} as part, s as lo, s as hi, pos, n, {{ b('1') }} as c from mm_a
  {%- if folds %}
  union all
  select p.part, a.s, a.s, a.pos - coalesce(g.pos, 0), a.n - coalesce(g.n, 0), {{ b('1') }}
  from mm_a a
  cross join (select distinct {{ b('fold') }} as part from mm_g) p
  left join mm_g g on g.fold = p.part and g.s = a.s
  where a.n - coalesce(g.n, 0) > 0
  {%- endif %}
)
{%- for r in range(1, ml_monitor._cbpe_pava_rounds() + 1) %},
mm_b{{ r }}s as (
  select part, lo, hi, pos, n, c,
         case when lag(n) {{ win }} is null or pos * lag(n) {{ win }} > lag(pos) {{ win }} * n then 1 else 0 end as st
  from mm_b{{ r - 1 }}
),
mm_b{{ r }} as (
  select part, min(lo) as lo, max(hi) as hi, {{ b('sum(pos)') }} as pos, {{ b('sum(n)') }} as n, {{ b('sum(c)') }} as c
  from (select part, lo, hi, pos, n, c, sum(st) over (partition by part order by lo rows between unbounded preceding and current row) as grp
        from mm_b{{ r }}s) as runs
  group by part, grp
)
{%- endfor %}
select part, lo, hi, pos, n, c from mm_b{{ ml_monitor._cbpe_pava_rounds() }} order by part, lo
{%- endmacro %}

{#- {part: thresholds} from _cbpe_blocks_sql. -#}
{% macro _cbpe_fit_blocks(setup, folds) -%}
  {%- set by_part = {} -%}
  {%- for r in ml_monitor._query_rows(ml_monitor._cbpe_blocks_sql(setup, folds)) -%}
    {%- set part = r['part'] | int -%}
    {%- if part not in by_part -%}{%- do by_part.update({part: []}) -%}{%- endif -%}
    {%- do by_part[part].append((r['lo'] | float, r['hi'] | float, r['pos'] | int, r['n'] | int, r['c'] | int)) -%}
  {%- endfor -%}
  {%- set out = {} -%}
  {%- for part, blocks in by_part.items() -%}{%- do out.update({part: ml_monitor._cbpe_isotonic(blocks)}) -%}{%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- NannyML's calibration rule (calibration.needs_calibration): fit isotonic regression on
    part of the reference, calibrate the held-out part, and calibrate when the held-out ECE
    after calibration is lower than before. NannyML draws its 10 held-out parts with a seeded
    StratifiedShuffleSplit over the DataFrame's row order; a table has no row order, so here
    the 10 held-out parts are deterministic stratified folds (every 10th row of each class in
    score order). The expected calibration error is NannyML's (calibration._get_bin_index_edges):
    the held-out rows sorted by value (then label) and cut into equal-count bins by position,
    ECE = sum over bins of (bin share) * |mean value - mean label|. fold_points: {fold: thresholds};
    total: usable reference rows. Returns [needs, ece_before, ece_after]. -#}
{% macro _cbpe_needs_calibration(setup, fold_points, total) -%}
  {%- if total < 4 or not fold_points -%}{{ return([false, none, none]) }}{%- endif -%}
  {%- set bins = 10 -%}
  {%- if total <= 2 * bins -%}{%- set bins = total // 2 -%}{%- endif -%}
  {%- set width = total // bins -%}
  {%- set edges = range(0, total + 1, width) | list -%}
  {%- do edges.pop() -%}{%- do edges.append(total) -%}
  {%- set b = ml_monitor.to_bigint -%}
  {%- set sql -%}
{{ ml_monitor._cbpe_ref_ctes(setup) }},
mm_t as (select mm_fold as fold, mm_s as s, mm_y as y, {{ b('count(*)') }} as n from mm_valid group by mm_fold, mm_s, mm_y),
mm_cal as (
  select s as v0,
         case fold
         {%- for f, pts in fold_points.items() %}
           when {{ f }} then {{ ml_monitor._cbpe_calibrated_sql({'calibrated': true, 'points': pts}, 's') }}
         {%- endfor %}
         end as v1, y, n
  from mm_t
),
mm_items as (
  select {{ b('0') }} as which, v0 as v, y, {{ b('sum(n)') }} as n from mm_cal group by v0, y
  union all
  select {{ b('1') }}, v1, y, {{ b('sum(n)') }} from mm_cal group by v1, y
),
mm_pos as (
  select which, v, y, n,
         {{ b('sum(n) over (partition by which order by v, y rows between unbounded preceding and current row)') }} - n as c0
  from mm_items
),
mm_bins as (
  {%- for e in range(edges | length - 1) %}
  select {{ b(e) }} as bin, {{ b(edges[e]) }} as lo, {{ b(edges[e + 1]) }} as hi{% if not loop.last %} union all{% endif %}
  {%- endfor %}
),
mm_ov as (
  select p.which, k.bin, p.v, p.y,
         case when p.c0 + p.n < k.hi then p.c0 + p.n else k.hi end - case when p.c0 > k.lo then p.c0 else k.lo end as ov
  from mm_pos p join mm_bins k on p.c0 < k.hi and p.c0 + p.n > k.lo
)
select which, bin, sum(ov * v) as sp, {{ b('sum(ov * y)') }} as sy from mm_ov group by which, bin order by which, bin
  {%- endset -%}
  {%- set ece = [0.0, 0.0] -%}
  {%- for r in ml_monitor._query_rows(sql) -%}
    {%- set e = r['bin'] | int -%}{%- set size = edges[e + 1] - edges[e] -%}
    {%- set mean_p = (r['sp'] | float) / size -%}{%- set mean_y = (r['sy'] | int) / size -%}
    {%- set w = r['which'] | int -%}
    {%- do ece.insert(w, ece.pop(w) + (size / total) * ((mean_p - mean_y) | abs)) -%}
  {%- endfor -%}
  {#- sp is a sum of doubles: the ECEs go into the compiled SQL (facts) and decide the calibration -#}
  {%- set ece = [ml_monitor._cbpe_stable(ece[0]), ml_monitor._cbpe_stable(ece[1])] -%}
  {{ return([ece[0] > ece[1], ece[0], ece[1]]) }}
{%- endmacro %}

{#- A compile-time sum of doubles (the reference AUC's sum of squares, the ECEs), which a parallel
    engine adds in no fixed order: its last bits vary from run to run, and with them the compiled
    SQL (and its md5 in the lineage). Kept to 12 significant digits (a relative change below
    5e-12), the same data gives the same SQL and the same calibration decision. -#}
{% macro _cbpe_stable(x) %}{{ return(('%.11e' | format(x)) | float) }}{% endmacro %}

{#- np.std of a 0/1 vector whose share of ones is a. -#}
{% macro _cbpe_bern(a) %}{{ return((a * (1 - a)) ** 0.5) }}{% endmacro %}

{#- Realized metrics on the reference (the baseline, sklearn's definitions, zero when a
    denominator is zero; ROC AUC by the rank sum with ties averaged) and NannyML's
    sampling-error components (nannyml.sampling_error.binary_classification) from the counts of
    _cbpe_ref_stats_sql. Returns [realized, se]. -#}
{% macro _cbpe_from_stats(st) -%}
  {%- set tp = st.tp -%}{%- set fp = st.fp -%}{%- set fn = st.fn -%}{%- set tn = st.tn -%}
  {%- set n = tp + fp + fn + tn -%}
  {%- set out = {} -%}{%- set se = {} -%}
  {%- set bern = ml_monitor._cbpe_bern -%}
  {%- if n > 0 -%}
    {%- do out.update({'accuracy': (tp + tn) / n,
                       'precision': (tp / (tp + fp)) if tp + fp > 0 else 0.0,
                       'recall': (tp / (tp + fn)) if tp + fn > 0 else 0.0,
                       'specificity': (tn / (tn + fp)) if tn + fp > 0 else 0.0,
                       'f1': (2 * tp / (2 * tp + fp + fn)) if 2 * tp + fp + fn > 0 else 0.0}) -%}
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
  {%- set p = tp + fn -%}{%- set q = fp + tn -%}
  {%- if p > 0 and q > 0 -%}{%- do out.update({'roc_auc': (st.u2 / 2) / (p * q)}) -%}{%- endif -%}
  {%- if st.auc_pos > 0 and st.auc_neg > 0 and st.auc_m > 0 -%}
    {%- do se.update({'roc_auc': [(st.auc_ss / st.auc_m) ** 0.5, st.auc_pos / n]}) -%}
  {%- endif -%}
  {{ return([out, se]) }}
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
  {%- set r = ml_monitor._query_rows(ml_monitor._cbpe_ref_stats_sql(setup))[0] -%}
  {%- set st = {} -%}
  {%- for k in ['n_rows', 'n_bad', 'tp', 'fp', 'fn', 'tn', 'u2', 'auc_pos', 'auc_neg', 'auc_m'] -%}
    {%- do st.update({k: (r[k] or 0) | int}) -%}
  {%- endfor -%}
  {%- do st.update({'auc_ss': ml_monitor._cbpe_stable(r['auc_ss'] | float) if r['auc_ss'] is not none else none}) -%}
  {%- set n_pos = st.tp + st.fn -%}{%- set n_neg = st.fp + st.tn -%}
  {%- set plan = {'reason': none, 'calibrated': false, 'points': [], 'ece_before': none, 'ece_after': none,
                  'n_ref': n_pos + n_neg, 'n_pos': n_pos, 'n_neg': n_neg, 'n_excluded': st.n_bad,
                  'calibration': setup.calibration, 'realized': {}, 'se': {}} -%}
  {%- set least = ml_monitor._cbpe_min_class_rows() -%}
  {%- if n_pos < least or n_neg < least -%}
    {%- do plan.update({'reason': 'reference has ' ~ n_pos ~ ' positive and ' ~ n_neg ~ ' negative usable rows'
        ~ ((' (' ~ st.n_bad ~ ' of ' ~ st.n_rows ~ ' excluded: null or out-of-range score, null label or prediction)') if st.n_bad > 0 else '')
        ~ '; at least ' ~ least ~ ' of each class are needed to calibrate and estimate'}) -%}
    {{ return(plan) }}
  {%- endif -%}
  {%- set rs = ml_monitor._cbpe_from_stats(st) -%}
  {%- do plan.update({'realized': rs[0], 'se': rs[1]}) -%}
  {%- set decide = setup.calibration == 'auto' and not (plan.realized.roc_auc is defined and plan.realized['roc_auc'] > 0.999) -%}
  {%- if setup.calibration == 'none' or (setup.calibration == 'auto' and not decide) -%}{{ return(plan) }}{%- endif -%}
  {%- set fits = ml_monitor._cbpe_fit_blocks(setup, decide) -%}
  {%- if decide -%}
    {%- set fold_points = {} -%}
    {%- for f, pts in fits.items() -%}{%- if f >= 0 -%}{%- do fold_points.update({f: pts}) -%}{%- endif -%}{%- endfor -%}
    {%- set decision = ml_monitor._cbpe_needs_calibration(setup, fold_points, plan.n_ref) -%}
    {%- do plan.update({'calibrated': decision[0], 'ece_before': decision[1], 'ece_after': decision[2]}) -%}
  {%- else -%}
    {%- do plan.update({'calibrated': true}) -%}
  {%- endif -%}
  {%- if plan.calibrated -%}{%- do plan.update({'points': fits[-1]}) -%}{%- endif -%}
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
