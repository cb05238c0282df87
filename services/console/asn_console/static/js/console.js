/* Charts of the ASN console: every element with data-chart="<id of a JSON script>" becomes an
   ECharts chart. No inline scripts (the pages' CSP forbids them); numbers in Indonesian format
   (decimal comma) unless the page is in English. */
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") === "en" ? "en-US" : "id-ID";
  function fmt(v, digits) {
    if (v === null || v === undefined || v === "-") { return "-"; }
    return new Intl.NumberFormat(lang, { maximumFractionDigits: digits === undefined ? 2 : digits,
      minimumFractionDigits: 0 }).format(v);
  }
  function axis(spec, which) {
    var min = spec[which + "Min"], max = spec[which + "Max"];
    return { type: "value", min: min, max: max,
      axisLabel: { formatter: function (v) { return fmt(v, spec.integer ? 0 : 2) + (spec.suffix || ""); } },
      minInterval: spec.integer ? 1 : 0 };
  }
  function build(spec) {
    var base = { animation: false, textStyle: { fontFamily: "inherit" },
      tooltip: { valueFormatter: function (v) { return fmt(v) + (spec.suffix || ""); } } };
    if (spec.kind === "pie") {
      base.tooltip.trigger = "item";
      base.legend = { bottom: 0 };
      base.series = [{ type: "pie", radius: ["35%", "65%"], label: { formatter: function (p) { return p.name + ": " + fmt(p.value, 0); } },
        data: spec.items.map(function (i) { return { name: i.name, value: i.value, itemStyle: i.color ? { color: i.color } : undefined }; }) }];
      return base;
    }
    if (spec.kind === "gauge") {
      base.series = [{ type: "gauge", min: 0, max: spec.max, startAngle: 200, endAngle: -20,
        progress: { show: true, width: 14 }, axisLine: { lineStyle: { width: 14 } },
        splitNumber: 4, axisLabel: { formatter: function (v) { return fmt(v, 0); } },
        detail: { formatter: function (v) { return fmt(v, 0) + " JP"; }, fontSize: 20, offsetCenter: [0, "30%"] },
        itemStyle: { color: spec.value >= spec.target ? "#1a7f37" : "#b35c00" },
        data: [{ value: spec.value, name: spec.name }] }];
      return base;
    }
    base.tooltip.trigger = "axis";
    base.grid = { left: spec.horizontal ? 170 : 48, right: 48, top: 30, bottom: 40, containLabel: false };
    base.legend = spec.series.length > 1 ? { top: 0 } : undefined;
    var cat = { type: "category", data: spec.categories,
      axisLabel: { interval: 0, width: spec.horizontal ? 160 : 80, overflow: "truncate", rotate: (!spec.horizontal && spec.categories.length > 8 && spec.kind !== "barline") ? 35 : 0 } };
    var val = axis(spec, "y");
    if (spec.horizontal) { base.xAxis = val; base.yAxis = cat; cat.inverse = true; }
    else { base.xAxis = cat; base.yAxis = spec.kind === "barline" ? [val, axis(spec, "y2")] : val; }
    base.series = spec.series.map(function (s, i) {
      var type = s.type || (spec.kind === "line" ? "line" : "bar");
      var out = { name: s.name, type: type, yAxisIndex: s.yAxisIndex || 0, connectNulls: true,
        label: { show: type === "bar", position: spec.horizontal ? "right" : "top",
          formatter: function (p) { return fmt(p.value, spec.integer ? 0 : 2); } },
        data: s.data.map(function (v, j) {
          var colour = s.colors ? s.colors[j] : s.color;
          return colour ? { value: v, itemStyle: { color: colour } } : v; }) };
      if (s.color) { out.itemStyle = { color: s.color }; }
      if (i === 0 && spec.markLine !== undefined) {
        out.markLine = { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#444" },
          label: { formatter: function () { return fmt(spec.markLine); } },
          data: [spec.horizontal ? { xAxis: spec.markLine } : { yAxis: spec.markLine }] };
      }
      return out;
    });
    return base;
  }
  var charts = [];
  function draw(root) {
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute("data-drawn") || typeof echarts === "undefined") { return; }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas", locale: lang === "en-US" ? "EN" : "EN" });
      chart.setOption(build(JSON.parse(source.textContent)));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { draw(ev.target); });
})();
