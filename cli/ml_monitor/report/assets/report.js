/* ml_monitor report: draws the plots (plotly.js) and applies the filters. No network. */
(function () {
  "use strict";
  var state = { rendered: 0, total: 0, errors: [], ready: false };
  window.mlMonitorReport = state;

  var data;
  try {
    data = JSON.parse(document.getElementById("report-data").textContent);
  } catch (e) {
    state.errors.push("report data: " + e);
    throw e;
  }

  var COLORS = { fail: "#c5221f", no_data: "#80868b", skipped: "#e37400", pass: "#188038" };
  var PALETTE = ["#1a73e8", "#9334e6", "#12b5cb", "#e8710a", "#f538a0", "#7cb342",
                 "#5f6368", "#a142f4", "#24c1e0", "#fa903e", "#ff63b8", "#34a853"];

  // Plotly reads a small HTML subset in every text it draws (<b>, <br>, <a href>): escape
  // everything that comes from the data so it is always shown as the text it is. Quotes as
  // numeric references: plotly decodes those, not &quot; (a value q"x showed as q&quot;x).
  function esc(s) {
    if (s === null || s === undefined) { return ""; }
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&#34;").replace(/'/g, "&#39;");
  }
  // a segment value or category of thousands of characters: legends, hovers and axis labels show
  // its first LABEL_CHARS (by code point, an emoji is not cut in two), then an ellipsis
  var LABEL_CHARS = 80;
  function clip(s) {
    var chars = Array.from(s === null || s === undefined ? "" : String(s));
    return chars.length <= LABEL_CHARS ? chars.join("") : chars.slice(0, LABEL_CHARS - 1).join("") + "\u2026";
  }
  function label(s) { return esc(clip(s)); }
  function num(v) {
    if (v === null || v === undefined) { return "–"; }
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) { return v.toExponential(3); }
    return String(Math.round(v * 1e4) / 1e4);
  }

  var CONFIG = { displaylogo: false, responsive: true,
                 modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
  // the legend sits at the bottom of the figure, below the x axis title; the figure grows
  // with the number of legend rows so that nothing overlaps
  function layout(extra, legendEntries, legendRows) {
    var rows = legendRows || Math.ceil((legendEntries || 0) / 3);
    var legendHeight = rows * 19;
    var base = {
      margin: { l: 56, r: 12, t: 28, b: 46 + legendHeight }, height: 244 + legendHeight,
      hovermode: "closest", showlegend: legendEntries > 0,
      legend: { orientation: "h", x: 0, xanchor: "left", y: 0, yref: "container", yanchor: "bottom", traceorder: "normal",
                font: { size: 11 } },
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12 },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff"
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }
  function legendCount(traces) {
    return traces.filter(function (t) { return t.showlegend !== false; }).length;
  }
  // how many rows the horizontal legend takes in a plot `width` pixels wide (entries of ~6.6 px
  // per character plus the symbol), so that long names do not run into the plot
  function legendRows(traces, width) {
    var avail = Math.max(200, (width || 0) - 24), rows = 0, used = avail;
    traces.forEach(function (t) {
      if (t.showlegend === false) { return; }
      var w = 46 + 6.6 * String(t.name || "").length;
      if (used + w > avail) { rows += 1; used = 0; }
      used += w;
    });
    return width ? rows : 0;
  }

  // the band around a series (filled): estimated_performance's confidence band, or the expected
  // range of an anomaly rule (t.band.label); and the realized metric where labels arrived
  function estimateOverlays(t, color, i) {
    var out = [];
    if (t.band) {
      out.push({ type: "scatter", mode: "lines", x: t.x, y: t.band.lower, hoverinfo: "skip",
                 showlegend: false, legendgroup: "g" + i, connectgaps: false, line: { width: 0, color: color } });
      out.push({ type: "scatter", mode: "lines", x: t.x, y: t.band.upper, hoverinfo: "skip",
                 name: label(t.name) + " " + esc(t.band.label || "band"), legendgroup: "g" + i, connectgaps: false, fill: "tonexty",
                 fillcolor: "rgba(120,120,120,0.15)", line: { width: 0, color: color } });
    }
    if (t.realized && t.realized.x.length) {
      out.push({ type: "scatter", mode: "lines+markers", x: t.realized.x, y: t.realized.y,
                 name: label(t.name) + " realized", legendgroup: "g" + i, hoverinfo: "text+x",
                 text: t.realized.y.map(function (v, j) {
                   return label(t.name) + "<br>realized " + num(v) + (t.realized.n[j] !== null ? " · " + t.realized.n[j] + " labelled rows" : "");
                 }),
                 line: { color: color, width: 1.5, dash: "dot" }, marker: { size: 6, symbol: "diamond", color: color } });
    }
    return out;
  }

  // anomaly: the expected value of every tested window with its range as an error bar (seen even
  // for a single tested window, where the band has no width); anomalous windows collected in `ring`
  function anomalyOverlays(t, color, i, metric, ring) {
    var a = t.anomaly;
    if (!a || !a.x.length) { return []; }
    var text = a.x.map(function (x, j) {
      return "window starting " + esc(x) + "<br>" + label(t.name) + " · " + esc(metric) + " anomaly " + esc(a.status[j]) +
        (a.expected[j] !== null ? "<br>expected " + num(a.expected[j]) + ", range [" + num(a.lower[j]) + ", " + num(a.upper[j]) + "]" : "") +
        (a.score[j] !== null ? "<br>score " + num(a.score[j]) + " (sensitivity " + num(a.threshold[j]) + ")" : "") +
        (a.detail[j] ? "<br>" + esc(a.detail[j]) : "");
    });
    a.x.forEach(function (x, j) {
      if (a.status[j] === "fail") { ring.x.push(x); ring.y.push(a.y[j]); ring.text.push(text[j]); }
    });
    var bx = [], by = [], up = [], down = [], btext = [];
    a.x.forEach(function (x, j) {
      if (a.expected[j] === null) { return; }
      bx.push(x); by.push(a.expected[j]); btext.push(text[j]);
      up.push(a.upper[j] !== null ? a.upper[j] - a.expected[j] : 0);
      down.push(a.lower[j] !== null ? a.expected[j] - a.lower[j] : 0);
    });
    if (!bx.length) { return []; }
    return [{ type: "scatter", mode: "markers", name: label(t.name) + " expected", x: bx, y: by, text: btext,
              hoverinfo: "text", legendgroup: "g" + i, showlegend: false,
              marker: { symbol: "line-ew-open", size: 12, color: color, line: { width: 2, color: color } },
              error_y: { type: "data", symmetric: false, array: up, arrayminus: down, color: color,
                         thickness: 1.5, width: 5 } }];
  }

  // a date axis; when every point has one x (every run evaluated the same as_of, or one window)
  // plotly would zoom to a second around it and label the ticks in milliseconds: show a day
  function dateAxis(traces) {
    var xs = {};
    traces.forEach(function (t) { (t.x || []).forEach(function (x) { if (x !== null) { xs[x] = true; } }); });
    var keys = Object.keys(xs);
    if (keys.length !== 1) { return { type: "date" }; }
    var at = Date.parse(keys[0].replace(" ", "T") + "Z");
    if (isNaN(at)) { return { type: "date" }; }
    var fmt = function (ms) { return new Date(ms).toISOString().replace("T", " ").slice(0, 19); };
    return { type: "date", range: [fmt(at - 12 * 3600e3), fmt(at + 12 * 3600e3)] };
  }

  function seriesFigure(p, width) {
    var traces = [], fx = [], fy = [], ftext = [], rx = [], ry = [], rtext = [];
    var ring = { x: [], y: [], text: [] };
    var sameThreshold = true, t0 = p.traces.length ? JSON.stringify(p.traces[0].threshold) : "";
    p.traces.forEach(function (t) {
      if (JSON.stringify(t.threshold) !== t0) { sameThreshold = false; }
    });
    p.traces.forEach(function (t, i) {
      var color = PALETTE[i % PALETTE.length];
      var text = t.x.map(function (x, j) {
        return (t.window ? "window " + esc(t.window[j]) + "<br>" : "") +
          label(t.name) + "<br>" + esc(p.metric) + " = " + num(t.y[j]) +
          (t.threshold[j] !== null ? " (threshold " + num(t.threshold[j]) + ")" : "") +
          (t.baseline[j] !== null ? "<br>baseline " + num(t.baseline[j]) : "") +
          "<br>status " + esc(t.status[j]) + (t.n[j] !== null ? " · " + t.n[j] + " rows" : "") +
          (t.detail[j] ? "<br>" + esc(t.detail[j]) : "") +
          (t.rescored_from && t.rescored_from[j] !== null ?
            "<br>re-scored at " + esc(t.evaluated[j]) + ": was " + num(t.rescored_from[j]) : "");
      });
      traces = traces.concat(estimateOverlays(t, color, i), anomalyOverlays(t, color, i, p.metric, ring));
      traces.push({ type: "scatter", mode: "lines+markers", name: label(t.name), x: t.x, y: t.y,
                    text: text, hoverinfo: "text+x", legendgroup: "g" + i,
                    line: { color: color, width: t.overall ? 2.5 : 1.5 },
                    marker: { size: 5, color: color } });
      var hasThr = t.threshold.some(function (v) { return v !== null; });
      if (hasThr && (!sameThreshold || i === 0)) {
        traces.push({ type: "scatter", mode: "lines", x: t.x, y: t.threshold, hoverinfo: "skip",
                      name: sameThreshold ? "threshold" : label(t.name) + " threshold",
                      legendgroup: sameThreshold ? "thr" : "g" + i, showlegend: sameThreshold,
                      line: { color: sameThreshold ? "#c5221f" : color, dash: "dash", width: 1.5,
                              shape: "hv" } });
      }
      t.status.forEach(function (s, j) {
        if (s === "fail" && t.y[j] !== null) { fx.push(t.x[j]); fy.push(t.y[j]); ftext.push(text[j]); }
      });
      // earlier evaluations of a window that a later run re-scored: faint hollow markers
      var sup = t.superseded;
      if (sup && sup.x.length) {
        rx = rx.concat(sup.x); ry = ry.concat(sup.y);
        rtext = rtext.concat(sup.x.map(function (x, j) {
          return label(t.name) + "<br>superseded: " + esc(p.metric) + " = " + num(sup.y[j]) +
            " (status " + esc(sup.status[j]) + ", evaluated " + esc(sup.evaluated[j]) + ")" +
            "<br>re-scored later to " + num(sup.replaced_by[j]);
        }));
      }
    });
    if (rx.length) {
      traces.push({ type: "scatter", mode: "markers", name: "superseded (re-scored)", x: rx, y: ry,
                    text: rtext, hoverinfo: "text+x", opacity: 0.45,
                    marker: { symbol: "circle-open", size: 8, color: "#5f6368" } });
    }
    if (ring.x.length) {
      traces.push({ type: "scatter", mode: "markers", name: "anomalous window", x: ring.x, y: ring.y,
                    text: ring.text, hoverinfo: "text", marker: { symbol: "circle-open", size: 17,
                    color: COLORS.fail, line: { width: 2.5, color: COLORS.fail } } });
    }
    if (fx.length) {
      traces.push({ type: "scatter", mode: "markers", name: "failing", x: fx, y: fy, text: ftext,
                    hoverinfo: "text+x", marker: { symbol: "x", size: 11, color: COLORS.fail,
                    line: { width: 1, color: "#fff" } } });
    }
    return { traces: traces, layout: layout({ xaxis: dateAxis(traces),
                                              yaxis: { title: { text: esc(p.metric), font: { size: 11 } }, zeroline: false } },
                                            legendCount(traces), legendRows(traces, width)) };
  }

  function driftFigure(d) {
    // two categories cut to the same label would share one bar: the later ones are numbered
    var seen = {};
    var labels = d.bins.map(function (b, i) {
      var l = label(b.bin);
      if (Object.prototype.hasOwnProperty.call(seen, l)) { l += " (" + (i + 1) + ")"; }
      seen[l] = true;
      return l;
    });
    var ref = d.bins.map(function (b) { return b.reference; });
    var cur = d.bins.map(function (b) { return b.current; });
    return {
      traces: [
        { type: "bar", name: "reference", x: labels, y: ref, marker: { color: "#9aa0a6" },
          hovertemplate: "%{x}<br>reference %{y:.2%}<extra></extra>" },
        { type: "bar", name: "current", x: labels, y: cur, marker: { color: d.status === "fail" ? COLORS.fail : "#1a73e8" },
          hovertemplate: "%{x}<br>current %{y:.2%}<extra></extra>" }
      ],
      layout: layout({ barmode: "group", yaxis: { tickformat: ".0%", title: { text: "share", font: { size: 11 } } },
                       xaxis: { type: "category", automargin: true } }, 2)
    };
  }

  function calibrationFigure(k) {
    var traces = [{ type: "scatter", mode: "lines", name: "perfectly calibrated", x: [0, 1], y: [0, 1],
                    hoverinfo: "skip", line: { color: "#9aa0a6", dash: "dot" } }];
    k.curves.forEach(function (c, i) {
      var pts = c.points;
      traces.push({ type: "scatter", mode: "lines+markers", name: label(c.name),
        x: pts.map(function (q) { return q.predicted; }), y: pts.map(function (q) { return q.observed; }),
        text: pts.map(function (q) {
          return label(c.name) + "<br>bin " + esc(q.bin || "") + "<br>mean score " + num(q.predicted) +
            "<br>observed positive rate " + num(q.observed) + (q.count !== null ? "<br>" + q.count + " rows" : "");
        }),
        hoverinfo: "text", line: { color: PALETTE[i % PALETTE.length], width: i === 0 ? 2.5 : 1.5 },
        marker: { size: pts.map(function (q) { return q.count ? Math.max(5, Math.min(14, 3 + Math.log(q.count + 1) * 1.3)) : 6; }),
                  color: PALETTE[i % PALETTE.length] } });
    });
    return {
      traces: traces,
      layout: layout({ xaxis: { range: [0, 1], title: { text: "mean predicted score", font: { size: 11 }, standoff: 4 } },
                       yaxis: { range: [0, 1.02], title: { text: "observed positive rate", font: { size: 11 } } } },
                     legendCount(traces))
    };
  }

  var figures = {};
  (data.plots || []).forEach(function (p) { figures[p.id] = function (width) { return seriesFigure(p, width); }; });
  (data.drift || []).forEach(function (d) { figures[d.id] = function () { return driftFigure(d); }; });
  (data.calibration || []).forEach(function (k) { figures[k.id] = function () { return calibrationFigure(k); }; });

  var plotDivs = Array.prototype.slice.call(document.querySelectorAll("div.plot"));
  state.total = plotDivs.length;

  function render(div) {
    if (div.getAttribute("data-rendered")) { return; }
    div.setAttribute("data-rendered", "pending");
    var make = figures[div.id];
    if (!make || typeof Plotly === "undefined") {
      state.errors.push("no figure for " + div.id);
      return;
    }
    try {
      var f = make(div.clientWidth);
      Plotly.newPlot(div, f.traces, f.layout, CONFIG).then(function () {
        div.setAttribute("data-rendered", "yes");
        state.rendered += 1;
      }, function (err) { state.errors.push(div.id + ": " + err); });
    } catch (e) {
      state.errors.push(div.id + ": " + e);
    }
  }
  function renderAll() { plotDivs.forEach(render); }
  state.renderAll = renderAll;

  // draw plots as they come near the screen; everything before printing
  if ("IntersectionObserver" in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { io.unobserve(e.target); render(e.target); }
      });
    }, { rootMargin: "600px 0px" });
    plotDivs.forEach(function (d) { io.observe(d); });
  } else {
    renderAll();
  }
  window.addEventListener("beforeprint", renderAll);

  // ---- filters: by table, monitor and status; every element carries data-* attributes
  var selects = { table: document.getElementById("f-table"), monitor: document.getElementById("f-monitor"),
                  status: document.getElementById("f-status") };
  function matches(el, f) {
    var t = el.getAttribute("data-table"), m = el.getAttribute("data-monitor"), s = el.getAttribute("data-status");
    if (f.table && t !== null && t !== f.table) { return false; }
    if (f.monitor && m !== null && m.split(", ").indexOf(f.monitor) < 0) { return false; }
    if (f.status && s !== null && s !== f.status) { return false; }
    return true;
  }
  function applyFilters() {
    var f = { table: selects.table.value, monitor: selects.monitor.value, status: selects.status.value };
    var shown = 0;
    document.querySelectorAll("[data-kind=check], [data-kind=plot], [data-kind=drift], [data-kind=calibration]")
      .forEach(function (el) { var ok = matches(el, f); el.hidden = !ok; if (ok) { shown += 1; } });
    document.querySelectorAll("table.grid").forEach(function (g) {
      g.querySelectorAll("[data-monitor]").forEach(function (c) {
        c.hidden = !!(f.monitor && c.getAttribute("data-monitor") !== f.monitor);
      });
      g.querySelectorAll("tbody tr").forEach(function (tr) {
        var ok = true;
        if (f.status) {
          ok = Array.prototype.some.call(tr.querySelectorAll("td[data-status]"), function (c) {
            return !c.hidden && c.getAttribute("data-status") === f.status;
          });
        }
        tr.hidden = !ok;
      });
    });
    document.querySelectorAll("section[data-kind=table]").forEach(function (sec) {
      var ok = !f.table || sec.getAttribute("data-table") === f.table;
      if (ok && (f.monitor || f.status)) {
        ok = sec.querySelector("[data-kind=plot]:not([hidden]), [data-kind=drift]:not([hidden]), [data-kind=calibration]:not([hidden])") !== null;
      }
      sec.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById("no-match").hidden = shown > 0 || !(f.table || f.monitor || f.status);
    // a filter looks into the folded passing metrics too
    if (f.monitor || f.status) {
      document.querySelectorAll("details.passing").forEach(function (d) { d.open = true; });
    }
    // plots drawn while hidden have no size: redraw the visible ones
    plotDivs.forEach(function (d) {
      if (d.getAttribute("data-rendered") === "yes" && d.offsetParent !== null) { Plotly.Plots.resize(d); }
    });
  }
  Object.keys(selects).forEach(function (k) { selects[k].addEventListener("change", applyFilters); });
  document.getElementById("f-reset").addEventListener("click", function () {
    selects.table.value = ""; selects.monitor.value = ""; selects.status.value = ""; applyFilters();
  });
  document.querySelectorAll("[data-set-status]").forEach(function (b) {
    b.addEventListener("click", function () { selects.status.value = b.getAttribute("data-set-status"); applyFilters(); });
  });
  document.querySelectorAll("a[data-plot]").forEach(function (a) {
    a.addEventListener("click", function () {
      var div = document.getElementById(a.getAttribute("data-plot"));
      if (div) { render(div); }
    });
  });
  // plots drawn while folded have no size: lay them out when their section opens
  document.querySelectorAll("details.passing").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open) { return; }
      d.querySelectorAll("div.plot").forEach(function (div) {
        if (div.getAttribute("data-rendered") === "yes") { Plotly.Plots.resize(div); } else { render(div); }
      });
    });
  });
  state.applyFilters = applyFilters;
  state.ready = true;
})();
