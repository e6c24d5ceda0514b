/* Ruche dashboard charts: draws every [data-chart] element with ECharts
   (vendored, static/echarts.min.js). The server renders each chart's data
   as JSON in the attribute, beside the same figures as an HTML table and a
   CSV link, so nothing here is the only way to read a number: the canvas is
   aria-hidden and the table is what assistive technology reads.

   Spec (ui.ChartSpec): {kind: "line"|"bar"|"stack"|"heatmap"|"pie",
   x: [labels], y: [labels, heatmap only], series: [{name, data, color}],
   unit: "" | "%" | "s"}. No inline script: the CSP forbids it. */
(function () {
  "use strict";

  var charts = new Map(); // element → echarts instance

  function css(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // palette follows the theme's custom properties (app.css), so dark mode
  // and contrast come from one place.
  function palette() {
    return {
      fg: css("--fg", "#1b1b1f"),
      muted: css("--muted", "#55565c"),
      line: css("--line", "#d5d6db"),
      bg: css("--bg", "#ffffff"),
      series: [css("--accent", "#8a4b00"), css("--focus", "#0a5bd8"), css("--ok", "#1d6b2c"),
        css("--danger", "#b3261e"), css("--warn", "#8a5300"), css("--muted", "#55565c")],
      named: { positive: css("--ok", "#1d6b2c"), neutral: css("--muted", "#55565c"), negative: css("--danger", "#b3261e") }
    };
  }

  function format(unit) {
    return function (v) {
      if (v === null || v === undefined) { return "–"; }
      if (unit === "%") { return (Math.round(v * 10) / 10) + " %"; }
      if (unit === "s") { return duration(v); }
      return String(v);
    };
  }

  function duration(s) {
    if (s < 60) { return Math.round(s) + " s"; }
    if (s < 3600) { return Math.round(s / 60) + " min"; }
    return (Math.round(s / 360) / 10) + " h";
  }

  function option(spec, p) {
    var text = { color: p.fg };
    var axis = { axisLine: { lineStyle: { color: p.line } }, axisLabel: { color: p.muted }, splitLine: { lineStyle: { color: p.line } } };
    var fmt = format(spec.unit || "");
    var base = {
      animation: false, // reduced motion by default; the figures are what matters
      textStyle: text,
      color: p.series,
      tooltip: { trigger: spec.kind === "heatmap" || spec.kind === "pie" ? "item" : "axis", valueFormatter: fmt },
      legend: { show: (spec.series || []).length > 1 && spec.kind !== "heatmap", textStyle: text, top: 0 },
      grid: { left: 8, right: 16, top: (spec.series || []).length > 1 ? 32 : 12, bottom: 8, containLabel: true }
    };
    var series = (spec.series || []).map(function (s) {
      var out = { name: s.name, data: s.data };
      var c = s.color && p.named[s.color];
      if (c) { out.itemStyle = { color: c }; out.lineStyle = { color: c }; }
      return out;
    });
    switch (spec.kind) {
      case "pie":
        base.series = [{ type: "pie", radius: ["40%", "70%"], label: { color: p.fg },
          data: (spec.x || []).map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; }) }];
        return base;
      case "heatmap":
        var max = 0;
        spec.series[0].data.forEach(function (d) { if (d[2] > max) { max = d[2]; } });
        base.grid.bottom = 48;
        base.xAxis = Object.assign({ type: "category", data: spec.x, splitArea: { show: true } }, axis);
        base.yAxis = Object.assign({ type: "category", data: spec.y, inverse: true, splitArea: { show: true } }, axis);
        base.visualMap = { min: 0, max: Math.max(max, 1), calculable: false, orient: "horizontal", left: "center", bottom: 0,
          textStyle: text, inRange: { color: [p.bg, p.series[0]] } };
        base.series = [{ type: "heatmap", name: spec.series[0].name, data: spec.series[0].data }];
        return base;
      default:
        base.xAxis = Object.assign({ type: "category", data: spec.x }, axis);
        base.yAxis = Object.assign({ type: "value", axisLabel: { color: p.muted, formatter: fmt } }, axis);
        base.series = series.map(function (s) {
          s.type = spec.kind === "line" ? "line" : "bar";
          if (spec.kind === "stack") { s.stack = "total"; }
          if (spec.kind === "line") { s.showSymbol = spec.x.length < 40; }
          return s;
        });
        return base;
    }
  }

  function draw(el) {
    if (typeof echarts === "undefined") { return; }
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = charts.get(el);
    if (!chart) {
      chart = echarts.init(el, null, { renderer: "canvas" });
      charts.set(el, chart);
      if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); }).observe(el); }
    }
    chart.setOption(option(spec, palette()), true);
    el.setAttribute("data-drawn", "true");
  }

  function drawAll(root) {
    charts.forEach(function (chart, el) {
      if (!el.isConnected) { chart.dispose(); charts.delete(el); }
    });
    root = root || document;
    if (root.matches && root.matches("[data-chart]")) { draw(root); }
    if (root.querySelectorAll) { root.querySelectorAll("[data-chart]").forEach(draw); }
  }

  function redrawAll() { charts.forEach(function (_, el) { draw(el); }); }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // htmx swaps (filters, period, refresh) bring new charts.
  document.addEventListener("htmx:load", function (e) { drawAll(e.detail && e.detail.elt); });
  // The theme toggle sets html[data-theme]; the system may change too.
  new MutationObserver(redrawAll).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) { mq.addEventListener("change", redrawAll); }
  }
})();
