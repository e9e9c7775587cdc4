/* The dataset browser: the gallery in the chosen order and filter, the confusion
 * matrix's cells answering hover and click.
 *
 * Page data: {classes: [name], items: [item], predicted, score_thr, iou, confusion: {counts, layout}}
 *   item: {i: index, k: key, t: thumbnail, f: full picture, v: 1 when it is SVG, s: [w, h],
 *          e: [tp, fp, fn] | null, c: [class], m: [cell, count, ...]}
 *   cell = row * (classes + 1) + column; row: ground truth, column: predicted, the last
 *   of each being background. */
(function () {
  "use strict";
  var sv = window.scenevis, data = sv.data, NS = "http://www.w3.org/2000/svg";
  var classes = data.classes || [], items = data.items || [], C = classes.length, STEP = 120;
  var state = { cls: null, cell: null, order: data.predicted ? "worst" : "name", shown: STEP };
  var gallery = document.getElementById("sv-gallery"), shownText = document.getElementById("sv-shown");
  var more = document.getElementById("sv-more");
  var classSelect = document.getElementById("sv-class"), orderSelect = document.getElementById("sv-order");

  function name(label) { return label === C ? "background" : classes[label]; }

  /* [tp, fp, fn] of one class (or of all, cls null) in an item, from its confusion cells. */
  function errors(item, cls) {
    if (!item.e) return [0, 0, 0];
    if (cls === null) return item.e;
    var tp = 0, fp = 0, fn = 0, m = item.m || [];
    for (var i = 0; i < m.length; i += 2) {
      var row = Math.floor(m[i] / (C + 1)), col = m[i] % (C + 1);
      if (row === cls && col === cls) tp += m[i + 1];
      else if (col === cls) fp += m[i + 1];
      else if (row === cls) fn += m[i + 1];
    }
    return [tp, fp, fn];
  }

  function hasCell(item, cell) {
    var m = item.m || [];
    for (var i = 0; i < m.length; i += 2) if (m[i] === cell) return true;
    return false;
  }

  function selected() {
    var chosen = items.filter(function (item) {
      if (state.cell !== null) return hasCell(item, state.cell);
      return state.cls === null || item.c.indexOf(state.cls) >= 0;
    });
    var key = {
      worst: function (e) { return e[1] + e[2]; },
      missed: function (e) { return e[2]; },
      "false": function (e) { return e[1]; }
    }[state.order];
    chosen.sort(function (a, b) {
      if (key) {
        var d = key(errors(b, state.cls)) - key(errors(a, state.cls));
        if (d) return d;
      }
      return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
    });
    return chosen;
  }

  function figure(item) {
    var e = errors(item, state.cls);
    var fig = sv.el("figure", { "class": "sv-cell sv-item", "data-key": item.k });
    var caption = sv.el("figcaption");
    caption.appendChild(sv.el("span", { "class": "sv-key" }, item.k));
    if (item.e) {
      var badges = sv.el("span", { "class": "sv-badges" });
      badges.appendChild(sv.el("span", { "class": "sv-fn", title: "missed" }, e[2] + " missed"));
      badges.appendChild(sv.el("span", { "class": "sv-fp", title: "false detections" }, e[1] + " false"));
      badges.appendChild(sv.el("span", { "class": "sv-tp", title: "found" }, e[0] + " found"));
      caption.appendChild(badges);
    }
    fig.appendChild(caption);
    var pic = sv.el("div", { "class": "sv-pic" });
    var captionText = item.k + (item.e ? " \u00b7 " + e[2] + " missed, " + e[1] + " false, " + e[0] + " found" : "");
    pic.appendChild(sv.el("img", {
      src: item.t || item.f, alt: item.k, loading: "lazy", "data-full": item.f, "data-caption": captionText,
      "data-frame": item.v ? item.f : null, "data-size": item.s ? item.s.join(" ") : null
    }));
    fig.appendChild(pic);
    return fig;
  }

  function show() {
    var chosen = selected();
    gallery.textContent = "";
    chosen.slice(0, state.shown).forEach(function (item) { gallery.appendChild(figure(item)); });
    var what = state.cell !== null
      ? "holding ground truth " + name(Math.floor(state.cell / (C + 1))) + " \u2192 predicted " + name(state.cell % (C + 1))
      : state.cls !== null ? "with " + classes[state.cls] : "";
    shownText.textContent = "Showing " + Math.min(state.shown, chosen.length) + " of " + chosen.length + " images" +
      (what ? " " + what : "") + (state.cell !== null ? " (choose a class to clear)" : "") + ".";
    more.hidden = chosen.length <= state.shown;
    document.querySelectorAll(".sv-pr[data-class]").forEach(function (fig) {
      fig.classList.toggle("sv-chosen", state.cls !== null && +fig.getAttribute("data-class") === state.cls);
    });
  }

  more.addEventListener("click", function () { state.shown += STEP; show(); });
  classSelect.addEventListener("change", function () {
    state.cls = classSelect.value === "" ? null : +classSelect.value;
    state.cell = null;
    state.shown = STEP;
    show();
  });
  orderSelect.addEventListener("change", function () { state.order = orderSelect.value; state.shown = STEP; show(); });

  /* -- the confusion matrix: a cell under the pointer shows its count; a click filters ------ */
  var matrix = document.querySelector(".sv-matrix .sv-plot");
  if (matrix && data.confusion) {
    var layout = data.confusion.layout, counts = data.confusion.counts;
    var over = document.createElementNS(NS, "svg");
    over.setAttribute("class", "sv-over");
    over.setAttribute("viewBox", "0 0 " + layout.size[0] + " " + layout.size[1]);
    var mark = document.createElementNS(NS, "rect");
    mark.setAttribute("class", "sv-cell-mark");
    mark.setAttribute("width", layout.cell);
    mark.setAttribute("height", layout.cell);
    mark.style.display = "none";
    over.appendChild(mark);
    matrix.appendChild(over);
    var cellAt = function (event) {
      var m = over.getScreenCTM();
      if (!m) return null;
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
      var col = Math.floor((p.x - layout.grid[0]) / layout.cell), row = Math.floor((p.y - layout.grid[1]) / layout.cell);
      if (row < 0 || col < 0 || row >= layout.rows || col >= layout.columns) return null;
      return { row: row, col: col };
    };
    over.addEventListener("mousemove", function (event) {
      var at = cellAt(event);
      if (!at) { mark.style.display = "none"; sv.hideTip("matrix"); return; }
      mark.setAttribute("x", layout.grid[0] + at.col * layout.cell);
      mark.setAttribute("y", layout.grid[1] + at.row * layout.cell);
      mark.style.display = "";
      var total = counts[at.row].reduce(function (a, b) { return a + b; }, 0), n = counts[at.row][at.col];
      var share = total ? " (" + (100 * n / total).toFixed(1) + "% of the row)" : "";
      sv.showTip("matrix", [{ text: "ground truth " + name(at.row) + " \u2192 predicted " + name(at.col) },
                            { cells: [{ text: String(n), cls: "sv-value" }, "objects" + share] }],
                 event.clientX, event.clientY);
    });
    over.addEventListener("mouseleave", function () { mark.style.display = "none"; sv.hideTip("matrix"); });
    over.addEventListener("click", function (event) {
      var at = cellAt(event);
      if (!at) return;
      state.cell = at.row * (C + 1) + at.col;
      state.cls = null;
      classSelect.value = "";
      state.shown = STEP;
      show();
      document.getElementById("sv-images").scrollIntoView();
    });
  }

  sv.browse = { show: show, state: state };
  show();
  document.documentElement.setAttribute("data-ready", "1");
})();
