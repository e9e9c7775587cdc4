/* The run report's charts: hover values, smoothing and a log scale over the pictures
 * scenevis drew.
 *
 * Each chart is two pictures per scale (the frame, and the lines on a transparent
 * canvas) plus its layout and kept points in the page data:
 *   {key, lin: layout, log: layout | null, series: [{run, x: [...], y: [...]}]}
 *   layout: {size: [w, h], plot: [x0, y0, x1, y1], x: [lo, hi], y: [lo, hi], log_y}
 * An SVG laid over the pictures (same viewBox) holds the smoothed lines and the hover
 * markers, so they land on exactly the pixels scenevis used. */
(function () {
  "use strict";
  var sv = window.scenevis, data = sv.data, NS = "http://www.w3.org/2000/svg";
  var state = { smoothing: 0, log: false };
  var charts = [];

  function svgEl(tag, attributes) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  sv.formatValue = function (value) {
    if (!isFinite(value)) return String(value);
    return String(parseFloat(value.toPrecision(6)));
  };

  function toX(layout, x) {
    return layout.plot[0] + (x - layout.x[0]) * (layout.plot[2] - layout.plot[0]) / (layout.x[1] - layout.x[0]);
  }

  function toY(layout, y) {
    var v = layout.log_y ? Math.log10(y) : y;
    return layout.plot[3] - (v - layout.y[0]) * (layout.plot[3] - layout.plot[1]) / (layout.y[1] - layout.y[0]);
  }

  /* TensorBoard's smoothing: an exponential moving average with its start-up bias removed. */
  function smooth(values, weight) {
    var out = new Array(values.length), last = 0, count = 0;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (!isFinite(v)) { out[i] = v; continue; }
      last = last * weight + (1 - weight) * v;
      count += 1;
      out[i] = last / (1 - Math.pow(weight, count));
    }
    return out;
  }

  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid; else hi = mid;
    }
    return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
  }

  function Chart(figure, spec) {
    this.figure = figure;
    this.spec = spec;
    this.plot = figure.querySelector(".sv-plot");
    this.pictures = {
      lin: [figure.querySelector(".sv-frame-lin"), figure.querySelector(".sv-lines-lin")],
      log: [figure.querySelector(".sv-frame-log"), figure.querySelector(".sv-lines-log")]
    };
    var size = spec.lin.size;
    this.over = svgEl("svg", { "class": "sv-over", viewBox: "0 0 " + size[0] + " " + size[1],
                               preserveAspectRatio: "none" });
    this.smoothed = svgEl("g", { "class": "sv-smooth-lines", fill: "none", "stroke-width": 1.6,
                                 "stroke-linejoin": "round" });
    this.markers = svgEl("g", { "class": "sv-markers" });
    this.over.appendChild(this.smoothed);
    this.over.appendChild(this.markers);
    this.plot.appendChild(this.over);
    var self = this;
    this.over.addEventListener("mousemove", function (event) { self.hover(event); });
    this.over.addEventListener("mouseleave", function () { self.leave(); });
  }

  Chart.prototype.layout = function () {
    return state.log && this.spec.log ? this.spec.log : this.spec.lin;
  };

  Chart.prototype.values = function (series) {
    return state.smoothing > 0 ? smooth(series.y, state.smoothing) : series.y;
  };

  Chart.prototype.update = function () {
    var useLog = state.log && !!this.spec.log;
    this.pictures.lin.forEach(function (p) { p.hidden = useLog; });
    this.pictures.log.forEach(function (p) { if (p) p.hidden = !useLog; });
    this.plot.classList.toggle("sv-smoothed", state.smoothing > 0);
    this.smoothed.textContent = "";
    if (state.smoothing <= 0) return;
    var layout = this.layout(), runs = data.runs, self = this;
    this.spec.series.forEach(function (series) {
      var ys = self.values(series), d = [], pen = "M";
      for (var i = 0; i < ys.length; i++) {
        if (!isFinite(ys[i]) || (layout.log_y && ys[i] <= 0)) { pen = "M"; continue; }
        d.push(pen + toX(layout, series.x[i]).toFixed(2) + " " + toY(layout, ys[i]).toFixed(2));
        pen = "L";
      }
      self.smoothed.appendChild(svgEl("path", { d: d.join(""), stroke: runs[series.run].color }));
    });
  };

  Chart.prototype.hover = function (event) {
    var layout = this.layout(), matrix = this.over.getScreenCTM();
    if (!matrix) return;
    var point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    var plot = layout.plot;
    if (point.x < plot[0] - 4 || point.x > plot[2] + 4 || point.y < plot[1] - 4 || point.y > plot[3] + 4) {
      this.leave();
      return;
    }
    var x = layout.x[0] + (point.x - plot[0]) * (layout.x[1] - layout.x[0]) / (plot[2] - plot[0]);
    var rows = [{ text: this.spec.key }], self = this, runs = data.runs;
    this.markers.textContent = "";
    this.spec.series.forEach(function (series) {
      var i = nearest(series.x, x);
      if (i < 0) return;
      var raw = series.y[i], shown = self.values(series)[i];
      var cells = [runs[series.run].name, { text: sv.formatValue(raw), cls: "sv-value" },
                   "step " + sv.formatValue(series.x[i])];
      if (state.smoothing > 0) cells.push("smoothed " + sv.formatValue(shown));
      rows.push({ cells: cells, color: runs[series.run].color });
      if (!layout.log_y || shown > 0) {
        self.markers.appendChild(svgEl("circle", { cx: toX(layout, series.x[i]), cy: toY(layout, shown), r: 3.5,
                                                   fill: runs[series.run].color, stroke: "#fff",
                                                   "stroke-width": 1.2 }));
      }
    });
    sv.showTip("chart", rows, event.clientX, event.clientY);
  };

  Chart.prototype.leave = function () {
    this.markers.textContent = "";
    sv.hideTip("chart");
  };

  document.querySelectorAll(".sv-chart[data-chart]").forEach(function (figure) {
    charts.push(new Chart(figure, data.charts[+figure.getAttribute("data-chart")]));
  });

  function updateAll() { charts.forEach(function (chart) { chart.update(); }); }

  var smoothing = document.getElementById("sv-smoothing");
  var smoothingShown = document.getElementById("sv-smoothing-value");
  if (smoothing) {
    smoothing.addEventListener("input", function () {
      state.smoothing = Math.min(0.999, Math.max(0, +smoothing.value));
      if (smoothingShown) smoothingShown.textContent = state.smoothing.toFixed(2);
      updateAll();
    });
  }
  var log = document.getElementById("sv-log");
  if (log) {
    log.addEventListener("change", function () {
      state.log = log.checked;
      updateAll();
    });
  }
  sv.charts = charts;
  document.documentElement.setAttribute("data-ready", "1");
})();
