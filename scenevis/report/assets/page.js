/* scenevis pages: data, tooltips, lightbox and step galleries.
 *
 * Everything read from the page's data goes onto the page as text (textContent,
 * setAttribute), never as markup; the one exception is a stored scene's SVG, which
 * is parsed as an XML document of its own (DOMParser) and adopted as SVG. */
(function () {
  "use strict";
  var sv = (window.scenevis = window.scenevis || {});
  var source = document.getElementById("scenevis-data");
  sv.data = source ? JSON.parse(source.textContent) : {};

  sv.el = function (tag, attributes, text) {
    var node = document.createElement(tag);
    if (attributes) {
      Object.keys(attributes).forEach(function (name) {
        if (attributes[name] !== null && attributes[name] !== undefined) node.setAttribute(name, attributes[name]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  sv.swatch = function (color) {
    var dot = sv.el("span", { "class": "sv-swatch" });
    dot.style.background = color;
    return dot;
  };

  /* -- tooltip near the pointer: rows of {text} (a heading) or {color, cells}, each cell a
   * string or {text, cls} ------------------------------------------------------------ */
  var tip = sv.el("div", { "class": "sv-tip", role: "tooltip", id: "sv-tip" });
  tip.hidden = true;
  document.body.appendChild(tip);
  var tipOwner = null;

  sv.showTip = function (owner, rows, x, y) {
    tipOwner = owner;
    tip.textContent = "";
    var table = sv.el("table");
    rows.forEach(function (row) {
      var line = sv.el("tr");
      if (row.cells) {
        var first = sv.el("td");
        if (row.color) first.appendChild(sv.swatch(row.color));
        line.appendChild(first);
        row.cells.forEach(function (cell) {
          line.appendChild(typeof cell === "object" ? sv.el("td", { "class": cell.cls }, cell.text) : sv.el("td", null, cell));
        });
      } else {
        line.appendChild(sv.el("th", { colspan: 8 }, row.text));
      }
      table.appendChild(line);
    });
    tip.appendChild(table);
    tip.hidden = false;
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var left = x + 16, top = y + 16;
    if (left + width > window.innerWidth - 4) left = Math.max(4, x - width - 16);
    if (top + height > window.innerHeight - 4) top = Math.max(4, y - height - 16);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  };

  sv.hideTip = function (owner) {
    if (owner === undefined || owner === tipOwner) {
      tip.hidden = true;
      tipOwner = null;
    }
  };

  /* -- SVG items with a <title>: their title as the tooltip ----------------------------- */
  function titleOf(target) {
    for (var node = target; node && node.nodeType === 1; node = node.parentNode) {
      if (node.classList && node.classList.contains("sv-scene")) return null;
      for (var child = node.firstElementChild; child; child = child.nextElementSibling) {
        if (child.localName === "title" && child.textContent) return child.textContent;
      }
    }
    return null;
  }

  document.addEventListener("mousemove", function (event) {
    var inScene = event.target.closest && event.target.closest(".sv-scene");
    var title = inScene ? titleOf(event.target) : null;
    if (title) sv.showTip("title", [{ text: title }], event.clientX, event.clientY);
    else sv.hideTip("title");
  });

  /* -- lightbox: a click on [data-full] opens that picture full size; with [data-frame],
   * that SVG document in a frame sandboxed from scripts (its <title>s show on hover),
   * sized by [data-size] ("width height") -------------------------------------------- */
  var box = sv.el("div", { "class": "sv-lightbox", id: "sv-lightbox" });
  box.hidden = true;
  var boxPicture = sv.el("img", { alt: "" });
  var boxFrame = sv.el("iframe", { sandbox: "", title: "picture" });
  boxFrame.hidden = true;
  var boxCaption = sv.el("div", { "class": "sv-caption" });
  box.appendChild(boxPicture);
  box.appendChild(boxFrame);
  box.appendChild(boxCaption);
  document.body.appendChild(box);

  function closeBox() {
    box.hidden = true;
    boxPicture.removeAttribute("src");
    boxFrame.removeAttribute("src");
  }

  function openFrame(src, size) {
    var wh = (size || "").split(" ").map(Number);
    if (wh.length === 2 && wh[0] > 0 && wh[1] > 0) {
      boxFrame.style.width = wh[0] + "px";
      boxFrame.style.height = wh[1] + "px";
    }
    boxFrame.src = src;
    boxFrame.hidden = false;
    boxPicture.hidden = true;
  }

  document.addEventListener("click", function (event) {
    if (!box.hidden) {
      closeBox();
      return;
    }
    var target = event.target.closest && event.target.closest("[data-full]");
    if (!target) return;
    if (target.getAttribute("data-frame")) {
      openFrame(target.getAttribute("data-frame"), target.getAttribute("data-size"));
    } else {
      boxPicture.src = target.getAttribute("data-full");
      boxPicture.hidden = false;
      boxFrame.hidden = true;
    }
    boxCaption.textContent = target.getAttribute("data-caption") || "";
    box.hidden = false;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !box.hidden) closeBox();
  });

  /* -- stored scenes: SVG documents from the data, parsed once ------------------------- */
  var parsed = {};
  sv.sceneNode = function (index) {
    if (!(index in parsed)) {
      var doc = new DOMParser().parseFromString(sv.data.scenes[index], "image/svg+xml");
      var root = doc.documentElement;
      parsed[index] = root && root.localName === "svg" ? root : null;
    }
    return parsed[index] ? document.importNode(parsed[index], true) : null;
  };

  /* -- step galleries ----------------------------------------------------------------------
   * spec: {name, steps: [step, ...], columns: [{run, items: [item | null per step]}]}
   * item: {t: thumbnail src, f: full-size src, w, h, n: note, g: scene index}
   * A column without an item at the chosen step shows its latest earlier one. */
  function latest(items, index) {
    for (var i = index; i >= 0; i--) if (items[i]) return i;
    return -1;
  }

  function fillCell(cell, spec, column, index) {
    var picture = cell.querySelector(".sv-pic"), label = cell.querySelector(".sv-cell-step");
    var found = latest(column.items, index);
    picture.textContent = "";
    if (found < 0) {
      picture.appendChild(sv.el("div", { "class": "sv-empty" }, "no picture at or before this step"));
      label.textContent = "";
      return;
    }
    var item = column.items[found], caption = spec.name + " \u00b7 " + column.runName + " \u00b7 step " + spec.steps[found];
    label.textContent = "step " + spec.steps[found] + (found === index ? "" : " (latest)");
    if (item.n) {
      picture.appendChild(sv.el("div", { "class": "sv-empty" }, item.n));
    } else if (item.g !== undefined && item.g !== null) {
      var holder = sv.el("div", { "class": "sv-scene" });
      var node = sv.sceneNode(item.g);
      if (node) holder.appendChild(node);
      else holder.appendChild(sv.el("div", { "class": "sv-empty" }, "this scene's SVG could not be read"));
      if (item.f) holder.setAttribute("data-full", item.f);
      holder.setAttribute("data-caption", caption);
      picture.appendChild(holder);
    } else {
      picture.appendChild(sv.el("img", {
        src: item.t || item.f, width: item.w, height: item.h, alt: caption,
        "data-full": item.f, "data-caption": caption, loading: "lazy"
      }));
    }
  }

  sv.gallery = function (container, spec) {
    var runs = sv.data.runs || [];
    var head = sv.el("div", { "class": "sv-gallery-head" });
    head.appendChild(sv.el("h3", null, spec.name));
    var slider = sv.el("input", {
      type: "range", min: 0, max: Math.max(0, spec.steps.length - 1), step: 1,
      value: Math.max(0, spec.steps.length - 1), "aria-label": "step of " + spec.name
    });
    var stepLabel = sv.el("span", { "class": "sv-step" });
    head.appendChild(slider);
    head.appendChild(stepLabel);
    if (spec.steps.length < 2) slider.disabled = true;
    var cells = sv.el("div", { "class": "sv-cells" });
    var figures = spec.columns.map(function (column) {
      var run = runs[column.run] || { name: "", color: "#999" };
      column.runName = run.name;
      var figure = sv.el("figure", { "class": "sv-cell", "data-run": run.name });
      var caption = sv.el("figcaption");
      var who = sv.el("span");
      who.appendChild(sv.swatch(run.color));
      who.appendChild(document.createTextNode(run.name));
      caption.appendChild(who);
      caption.appendChild(sv.el("span", { "class": "sv-cell-step sv-muted" }));
      figure.appendChild(caption);
      figure.appendChild(sv.el("div", { "class": "sv-pic" }));
      cells.appendChild(figure);
      return figure;
    });
    container.appendChild(head);
    container.appendChild(cells);
    function show() {
      var index = +slider.value;
      stepLabel.textContent = spec.steps.length ? "step " + spec.steps[index] : "";
      spec.columns.forEach(function (column, i) { fillCell(figures[i], spec, column, index); });
    }
    slider.addEventListener("input", show);
    show();
    return { slider: slider, show: show };
  };

  document.querySelectorAll("[data-gallery]").forEach(function (container) {
    sv.gallery(container, sv.data.galleries[+container.getAttribute("data-gallery")]);
  });
})();
