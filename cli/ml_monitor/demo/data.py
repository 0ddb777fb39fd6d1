"""Seeded synthetic data for the demo: a churn model's prediction log, its training set
and late, messy labels, with a handful of problems injected on purpose.

Everything is a deterministic function of the seed. The fixed evaluation time ``AS_OF``
is also written into the demo project (var ``ml_monitor_as_of``), so the windows the
monitors look at are the same on every run and every machine.

Healthy behaviour (all 14 days unless noted)
    ~2,500 predictions a day; features drawn from the same distributions as the training
    set; ``score`` = P(churn) from a logistic model of the features, labels drawn from the
    score (calibrated, ROC AUC ~0.8); ~75% of predictions get a label 1-6 days later;
    ~2% of labels are corrected by a second, later label row.

Injected problems (``INJECTED`` holds the exact settings)
    latest window = the last day before AS_OF, [AS_OF - 1 day, AS_OF):
      * income: null rate jumps from ~1% to ~30%;
      * age: ~10% of the rows of channel 'partner' carry garbage ages (-1 or 130..199);
      * avg_basket: a few NaN, +inf and -inf values;
      * days_since_last_login: stretched so its mean rises by one standard deviation (and
        since the model uses it, the score distribution shifts too);
      * device: a new category 'smart_tv' (~6% of rows) never seen in training;
    every day:
      * region 'apac': the labels follow the score much more weakly (concept drift),
        so accuracy / ROC AUC / calibration drop in that segment only;
    the last 3 days (labels mostly not in yet):
      * region 'apac': the logged scores lose confidence (log-odds scaled by 0.25: the same
        ranking and predicted labels, probabilities pulled toward 0.5), in line with how weakly
        its labels follow them; the labels still come from the unchanged risk, so the realized
        metrics do not move, while CBPE - which sees only the scores - estimates apac's drop.

Production failures (``PRODUCTION`` holds the settings; tables from their own random stream,
so the tables above do not change)
    * offline_features: the latest window's income and plan recomputed offline; the prediction
      log's income of channel 'partner' was logged in thousands (training-serving skew);
    * requests: the service's request log of the latest window; the canary model version
      'churn-v8' (~3% of requests) is ~4x slower (a latency regression of one version);
    * training_features: a training snapshot with the time each income value became known;
      ~10% were only known after the prediction (a leaked feature); income_history holds each
      value's validity, so the as-of check finds the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.datetime(2026, 1, 31, 0, 0, 0)
DAYS = 14
ROWS_PER_DAY = 2500
TRAINING_ROWS = 20000
MODEL_VERSION = "churn-v7"
RAW_SCHEMA = "raw"

# country -> (region, share)
COUNTRIES = {
    "US": ("americas", 0.22), "CA": ("americas", 0.06), "BR": ("americas", 0.07),
    "GB": ("emea", 0.12), "DE": ("emea", 0.10), "FR": ("emea", 0.08),
    "JP": ("apac", 0.10), "AU": ("apac", 0.07), "SG": ("apac", 0.06), "IN": ("apac", 0.12),
}
DEVICES = {"ios": 0.40, "android": 0.40, "web": 0.20}
PLANS = {"free": 0.50, "basic": 0.30, "premium": 0.20}
CHANNELS = {"organic": 0.45, "paid_search": 0.25, "referral": 0.15, "partner": 0.15}
TIERS = {"bronze": 0.60, "silver": 0.30, "gold": 0.10}

# days_since_last_login ~ Gamma(shape, scale): mean k*theta, sd sqrt(k)*theta
LOGIN_SHAPE, LOGIN_SCALE = 1.5, 6.0
LOGIN_MEAN = LOGIN_SHAPE * LOGIN_SCALE
LOGIN_SD = float(np.sqrt(LOGIN_SHAPE) * LOGIN_SCALE)

INJECTED = {
    "window": "[AS_OF - 1 day, AS_OF)",
    "income_null_rate_healthy": 0.01,
    "income_null_rate_latest": 0.30,
    "credit_score_null_rate": 0.005,
    "age_garbage_channel": "partner",
    "age_garbage_share_of_channel": 0.10,
    "avg_basket_nan": 6,
    "avg_basket_pos_inf": 4,
    "avg_basket_neg_inf": 2,
    # multiplied by (1 + sd/mean): the mean moves up by one standard deviation
    "days_since_last_login_factor": 1.0 + LOGIN_SD / LOGIN_MEAN,
    "new_device": "smart_tv",
    "new_device_share": 0.06,
    "degraded_region": "apac",
    "low_confidence_days": 3,
    "low_confidence_logit_scale": 0.25,
    "label_share": 0.75,
    "label_delay_days": (1, 6),
    "corrected_label_share": 0.02,
}

PRODUCTION = {
    "skewed_feature": "income",
    "skewed_channel": "partner",
    "skew_factor": 1000.0,             # the offline value is 1000x the logged one (thousands)
    "requests_per_day": 4000,
    "canary_version": "churn-v8",
    "canary_share": 0.03,
    "canary_latency_factor": 4.0,
    "error_share": 0.002,
    "training_feature_rows": 3000,
    "leaked_share": 0.10,
}

PREDICTION_COLUMNS = [
    "id", "prediction_ts", "age", "income", "tenure_months", "num_transactions", "avg_basket",
    "days_since_last_login", "credit_score", "country", "device", "plan", "channel",
    "region", "customer_tier", "model_version", "score", "predicted_label",
]
# DuckDB column types of the raw tables (the demo's schema_contract checks these).
COLUMN_TYPES = {
    "id": "BIGINT", "prediction_ts": "TIMESTAMP", "age": "INTEGER", "income": "DOUBLE",
    "tenure_months": "INTEGER", "num_transactions": "INTEGER", "avg_basket": "DOUBLE",
    "days_since_last_login": "DOUBLE", "credit_score": "INTEGER", "country": "VARCHAR",
    "device": "VARCHAR", "plan": "VARCHAR", "channel": "VARCHAR", "region": "VARCHAR",
    "customer_tier": "VARCHAR", "model_version": "VARCHAR", "score": "DOUBLE",
    "predicted_label": "INTEGER", "label": "INTEGER", "label_ts": "TIMESTAMP",
    "request_id": "BIGINT", "requested_at": "TIMESTAMP", "latency_ms": "DOUBLE", "http_status": "INTEGER",
    "income_updated_at": "TIMESTAMP", "valid_from": "TIMESTAMP", "valid_to": "TIMESTAMP",
}
TRAINING_COLUMNS = [c for c in PREDICTION_COLUMNS if c != "prediction_ts"] + ["label"]
LABEL_COLUMNS = ["id", "label", "label_ts"]
OFFLINE_COLUMNS = ["id", "income", "plan"]
REQUEST_COLUMNS = ["request_id", "requested_at", "model_version", "latency_ms", "http_status"]
TRAINING_FEATURE_COLUMNS = ["id", "prediction_ts", "income", "income_updated_at", "label_ts"]
HISTORY_COLUMNS = ["id", "valid_from", "valid_to", "income"]


@dataclass
class DemoData:
    """The generated tables (pandas; nulls as NaN/None, NaN kept as a value in avg_basket)."""

    predictions: pd.DataFrame
    training_set: pd.DataFrame
    labels: pd.DataFrame
    offline_features: pd.DataFrame | None = None
    requests: pd.DataFrame | None = None
    training_features: pd.DataFrame | None = None
    income_history: pd.DataFrame | None = None
    as_of: dt.datetime = AS_OF
    seed: int = 7
    injected: dict = field(default_factory=lambda: dict(INJECTED))

    @property
    def latest_window(self) -> tuple[dt.datetime, dt.datetime]:
        return self.as_of - dt.timedelta(days=1), self.as_of


def _choice(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(days: np.ndarray, tenure: np.ndarray, tx: np.ndarray, plan: np.ndarray,
           tier: np.ndarray) -> np.ndarray:
    """The model: log-odds of churn from fixed, population-level standardisation."""
    z_days = (days - LOGIN_MEAN) / LOGIN_SD
    z_tenure = (tenure - 24.0) / 24.0
    z_tx = (tx - 7.0) / 4.0
    plan_effect = np.select([plan == "free", plan == "premium"], [0.5, -0.6], 0.0)
    tier_effect = np.select([tier == "gold", tier == "silver"], [-0.4, -0.15], 0.0)
    return -1.35 + 1.15 * z_days - 0.75 * z_tenure - 0.55 * z_tx + plan_effect + tier_effect


def _features(rng: np.random.Generator, n: int) -> dict:
    """Healthy feature draws (the training distribution)."""
    country = _choice(rng, {k: v[1] for k, v in COUNTRIES.items()}, n)
    region = np.array([COUNTRIES[c][0] for c in country], dtype=object)
    plan = _choice(rng, PLANS, n)
    lam = np.select([plan == "free", plan == "basic"], [4.0, 8.0], 13.0)
    return {
        "age": np.clip(np.rint(rng.normal(41.0, 12.0, n)), 18, 90).astype(np.int64),
        "income": np.round(rng.lognormal(np.log(55000.0), 0.5, n), 2),
        "tenure_months": np.minimum(np.floor(rng.exponential(24.0, n)), 240).astype(np.int64),
        "num_transactions": rng.poisson(lam).astype(np.int64),
        "avg_basket": np.round(rng.gamma(2.0, 25.0, n), 2),
        "days_since_last_login": np.round(rng.gamma(LOGIN_SHAPE, LOGIN_SCALE, n), 2),
        "credit_score": np.clip(np.rint(rng.normal(680.0, 60.0, n)), 300, 850).astype(np.int64),
        "country": country,
        "device": _choice(rng, DEVICES, n),
        "plan": plan,
        "channel": _choice(rng, CHANNELS, n),
        "region": region,
        "customer_tier": _choice(rng, TIERS, n),
    }


def _score(f: dict) -> np.ndarray:
    return _sigmoid(_logit(f["days_since_last_login"], f["tenure_months"], f["num_transactions"],
                           f["plan"], f["customer_tier"]))


def _true_probability(score: np.ndarray, region: np.ndarray, degraded: bool) -> np.ndarray:
    """P(label = 1): the score itself (calibrated) except in the degraded region, where the
    labels depend only weakly on what the model sees (concept drift)."""
    if not degraded:
        return score
    logit = np.log(score / (1.0 - score))
    weak = _sigmoid(0.15 * logit - 0.9)
    return np.where(region == INJECTED["degraded_region"], weak, score)


def _nullable_int(values: np.ndarray, null_mask: np.ndarray | None = None) -> pd.Series:
    s = pd.Series(pd.array(values, dtype="Int64"))
    if null_mask is not None:
        s[null_mask] = pd.NA
    return s


def generate(seed: int = 7) -> DemoData:
    """Build the three tables in memory; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    start = AS_OF - dt.timedelta(days=DAYS)
    latest_start = AS_OF - dt.timedelta(days=1)

    # --- predictions: a Poisson number of rows per day, uniform times within the day
    per_day = rng.poisson(ROWS_PER_DAY, DAYS)
    n = int(per_day.sum())
    day_index = np.repeat(np.arange(DAYS), per_day)
    seconds = np.sort(day_index * 86400 + rng.integers(0, 86400, n))
    ts = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    latest = np.asarray(ts >= pd.Timestamp(latest_start))
    f = _features(rng, n)

    # injected: days_since_last_login stretched so that its mean moves up by one sd in the
    # latest window (before scoring: the users really are staler, so the scores move as well)
    f["days_since_last_login"] = np.where(
        latest, np.round(f["days_since_last_login"] * INJECTED["days_since_last_login_factor"], 2),
        f["days_since_last_login"])
    risk = _score(f)
    # injected: apac's scores lose confidence over the last days (same ranking and labels)
    low = (np.asarray(ts >= pd.Timestamp(AS_OF - dt.timedelta(days=INJECTED["low_confidence_days"])))
           & (f["region"] == INJECTED["degraded_region"]))
    score = np.where(low, _sigmoid(INJECTED["low_confidence_logit_scale"] * np.log(risk / (1.0 - risk))), risk)

    # injected: a device category never seen in training
    tv = latest & (rng.random(n) < INJECTED["new_device_share"])
    f["device"] = np.where(tv, INJECTED["new_device"], f["device"])

    # injected: garbage ages from one channel
    garbage = latest & (f["channel"] == INJECTED["age_garbage_channel"]) & (
        rng.random(n) < INJECTED["age_garbage_share_of_channel"])
    garbage_values = np.where(rng.random(n) < 0.5, -1, rng.integers(130, 200, n))
    f["age"] = np.where(garbage, garbage_values, f["age"])

    # nulls: income ~1% always, ~30% in the latest window; credit_score ~0.5% always
    income_null = np.where(latest, rng.random(n) < INJECTED["income_null_rate_latest"],
                           rng.random(n) < INJECTED["income_null_rate_healthy"])
    credit_null = rng.random(n) < INJECTED["credit_score_null_rate"]
    income = np.where(income_null, np.nan, f["income"])

    # injected: NaN / +inf / -inf in avg_basket (distinct rows of the latest window)
    avg_basket = f["avg_basket"].astype(float).copy()
    special = rng.choice(np.flatnonzero(latest), INJECTED["avg_basket_nan"] + INJECTED["avg_basket_pos_inf"]
                         + INJECTED["avg_basket_neg_inf"], replace=False)
    k1 = INJECTED["avg_basket_nan"]
    k2 = k1 + INJECTED["avg_basket_pos_inf"]
    avg_basket[special[:k1]] = np.nan
    avg_basket[special[k1:k2]] = np.inf
    avg_basket[special[k2:]] = -np.inf

    predictions = pd.DataFrame({
        "id": np.arange(1, n + 1, dtype=np.int64),
        "prediction_ts": ts.astype("datetime64[us]"),
        "age": f["age"].astype(np.int64),
        "income": income,
        "tenure_months": f["tenure_months"],
        "num_transactions": f["num_transactions"],
        "avg_basket": avg_basket,
        "days_since_last_login": f["days_since_last_login"],
        "credit_score": _nullable_int(f["credit_score"], credit_null),
        "country": f["country"].astype(str),
        "device": f["device"].astype(str),
        "plan": f["plan"].astype(str),
        "channel": f["channel"].astype(str),
        "region": f["region"].astype(str),
        "customer_tier": f["customer_tier"].astype(str),
        "model_version": MODEL_VERSION,
        "score": score,
        "predicted_label": (score >= 0.5).astype(np.int64),
    })

    # --- labels: ~75% of predictions, 1-6 days later, only those arrived before AS_OF
    truth = (rng.random(n) < _true_probability(risk, f["region"], degraded=True)).astype(np.int64)
    lo, hi = INJECTED["label_delay_days"]
    delay = pd.to_timedelta(rng.integers(lo * 86400, hi * 86400, n), unit="s")
    label_ts = ts + delay
    has_label = (rng.random(n) < INJECTED["label_share"]) & np.asarray(label_ts < pd.Timestamp(AS_OF))
    # a few labels are corrected: a first, wrong label row, then the right one a bit later
    correction_ts = label_ts + pd.to_timedelta(rng.integers(3600, 2 * 86400, n), unit="s")
    corrected = has_label & (rng.random(n) < INJECTED["corrected_label_share"]) & np.asarray(
        correction_ts < pd.Timestamp(AS_OF))
    ids = predictions["id"].to_numpy()
    labels = pd.concat([
        pd.DataFrame({"id": ids[corrected], "label": 1 - truth[corrected],
                      "label_ts": label_ts[corrected]}),
        pd.DataFrame({"id": ids[has_label], "label": truth[has_label],
                      "label_ts": np.where(corrected[has_label], correction_ts[has_label], label_ts[has_label])}),
    ], ignore_index=True)
    labels["label_ts"] = labels["label_ts"].astype("datetime64[us]")
    labels = labels.sort_values(["label_ts", "id"], kind="stable").reset_index(drop=True)

    # --- training set: the same generator, no injected problems, labels from the score
    t = _features(rng, TRAINING_ROWS)
    t_score = _score(t)
    t_income_null = rng.random(TRAINING_ROWS) < INJECTED["income_null_rate_healthy"]
    t_credit_null = rng.random(TRAINING_ROWS) < INJECTED["credit_score_null_rate"]
    training = pd.DataFrame({
        "id": np.arange(1, TRAINING_ROWS + 1, dtype=np.int64),
        "age": t["age"],
        "income": np.where(t_income_null, np.nan, t["income"]),
        "tenure_months": t["tenure_months"],
        "num_transactions": t["num_transactions"],
        "avg_basket": t["avg_basket"].astype(float),
        "days_since_last_login": t["days_since_last_login"],
        "credit_score": _nullable_int(t["credit_score"], t_credit_null),
        "country": t["country"].astype(str),
        "device": t["device"].astype(str),
        "plan": t["plan"].astype(str),
        "channel": t["channel"].astype(str),
        "region": t["region"].astype(str),
        "customer_tier": t["customer_tier"].astype(str),
        "model_version": MODEL_VERSION,
        "score": t_score,
        "predicted_label": (t_score >= 0.5).astype(np.int64),
        "label": (rng.random(TRAINING_ROWS) < _true_probability(t_score, t["region"], degraded=False)).astype(np.int64),
    })
    offline, requests, training_features, history = _production_tables(np.random.default_rng(seed + 1000), predictions)
    return DemoData(predictions=predictions, training_set=training, labels=labels, offline_features=offline,
                    requests=requests, training_features=training_features, income_history=history, seed=seed)


def _production_tables(rng: np.random.Generator, predictions: pd.DataFrame):
    """The tables of the production-failure monitors (PRODUCTION), from their own random stream."""
    c = PRODUCTION
    start = AS_OF - dt.timedelta(days=1)
    latest = predictions[predictions["prediction_ts"] >= pd.Timestamp(start)]
    # offline recomputation: the true income; the partner channel logged it in thousands
    partner = (latest["channel"] == c["skewed_channel"]).to_numpy()
    offline = pd.DataFrame({"id": latest["id"].to_numpy(),
                            "income": np.where(partner, latest["income"].to_numpy() * c["skew_factor"],
                                               latest["income"].to_numpy()),
                            "plan": latest["plan"].to_numpy()})
    # request log: latency ~ Gamma(4, 25 ms); the canary version ~4x slower
    n = c["requests_per_day"]
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 86400, n)), unit="s")
    canary = rng.random(n) < c["canary_share"]
    latency = np.round(rng.gamma(4.0, 25.0, n) * np.where(canary, c["canary_latency_factor"], 1.0), 3)
    status = np.where(rng.random(n) < c["error_share"], rng.choice([500, 503], n), 200)
    requests = pd.DataFrame({"request_id": np.arange(1, n + 1, dtype=np.int64),
                             "requested_at": ts.astype("datetime64[us]"),
                             "model_version": np.where(canary, c["canary_version"], MODEL_VERSION),
                             "latency_ms": latency, "http_status": status.astype(np.int64)})
    # training snapshot: income known 1-30 days before the prediction, or (leak) up to 5 days after
    m = c["training_feature_rows"]
    cutoff = pd.Timestamp(AS_OF - dt.timedelta(days=60)) + pd.to_timedelta(rng.integers(0, 50 * 86400, m), unit="s")
    leaked = rng.random(m) < c["leaked_share"]
    known = np.where(leaked, rng.integers(60, 5 * 86400, m), -rng.integers(86400, 30 * 86400, m))
    training_features = pd.DataFrame({
        "id": np.arange(1, m + 1, dtype=np.int64),
        "prediction_ts": cutoff.astype("datetime64[us]"),
        "income": np.round(np.exp(rng.normal(10.5, 0.5, m)), 2),
        "income_updated_at": (cutoff + pd.to_timedelta(known, unit="s")).astype("datetime64[us]"),
        "label_ts": (cutoff + pd.to_timedelta(rng.integers(86400, 30 * 86400, m), unit="s")).astype("datetime64[us]"),
    })
    # the income history: the previous value until income_updated_at, then the snapshot's value;
    # a leaked row's value was not yet valid at its prediction
    old = np.round(training_features["income"].to_numpy() * rng.uniform(0.8, 0.95, m), 2)
    updated = training_features["income_updated_at"]
    history = pd.concat([
        pd.DataFrame({"id": training_features["id"], "valid_from": updated - pd.Timedelta(days=90),
                      "valid_to": updated, "income": old}),
        pd.DataFrame({"id": training_features["id"], "valid_from": updated, "valid_to": pd.NaT,
                      "income": training_features["income"]}),
    ], ignore_index=True).sort_values(["id", "valid_from"], kind="stable").reset_index(drop=True)
    return offline, requests, training_features, history


def _create_table(con, name: str, df: pd.DataFrame, columns: list[str]) -> None:
    view = f"ml_monitor_demo_{name}_df"
    con.register(view, df)
    select = ", ".join(f'cast("{c}" as {COLUMN_TYPES[c]}) as "{c}"' for c in columns)
    con.execute(f'create or replace table {RAW_SCHEMA}."{name}" as select {select} from {view}')
    con.unregister(view)


def write_duckdb(data: DemoData, path: str | Path) -> None:
    """Write the three tables into schema ``raw`` of the DuckDB file at ``path`` (replacing them)."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        _create_table(con, "predictions", data.predictions, PREDICTION_COLUMNS)
        _create_table(con, "training_set", data.training_set, TRAINING_COLUMNS)
        _create_table(con, "labels", data.labels, LABEL_COLUMNS)
        for name, columns in (("offline_features", OFFLINE_COLUMNS), ("requests", REQUEST_COLUMNS),
                              ("training_features", TRAINING_FEATURE_COLUMNS), ("income_history", HISTORY_COLUMNS)):
            if getattr(data, name) is not None:
                _create_table(con, name, getattr(data, name), columns)
        # DuckDB reads a pandas NaN as NULL: put the injected non-finite values back explicitly.
        for value, sql in (("nan", "'NaN'"), ("pos_inf", "'Infinity'"), ("neg_inf", "'-Infinity'")):
            col = data.predictions["avg_basket"]
            mask = {"nan": np.isnan(col), "pos_inf": np.isposinf(col), "neg_inf": np.isneginf(col)}[value]
            ids = data.predictions.loc[mask, "id"].tolist()
            if ids:
                con.execute(f"update {RAW_SCHEMA}.predictions set avg_basket = cast({sql} as double) "
                            f"where id in ({', '.join(str(int(i)) for i in ids)})")
        con.execute("checkpoint")
    finally:
        con.close()


def generate_duckdb(path: str | Path, seed: int = 7) -> DemoData:
    """Generate the demo data for ``seed`` and write it to the DuckDB file at ``path``."""
    data = generate(seed)
    write_duckdb(data, path)
    return data
