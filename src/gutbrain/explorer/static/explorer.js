// The model explorer: builds the timeline, asks the server to run the model, plots the answer.
// The last answer is kept on the plots' container (#plots, property `result`) and each plot's
// traces on its element (plotly's `data`), so tests read exactly what is drawn.
"use strict";
(function () {
  const form = document.getElementById("explorer-form");
  const entries = document.getElementById("entries");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const runButton = document.getElementById("run");
  const archetype = document.getElementById("archetype");
  const hint = document.getElementById("archetype-hint");
  const BLUE = "#0072B2", GREY = "#555555";
  // Small plots: hover shows the values; no tool bar over the data (and no links off this
  // server). On touch screens dragging scrolls the page instead of zooming; elsewhere a drag
  // zooms and a double click resets.
  const TOUCH = window.matchMedia("(pointer: coarse)").matches;
  const PLOT_CONFIG = { responsive: true, displayModeBar: false, showLink: false, scrollZoom: false };

  archetype.addEventListener("change", function () {
    hint.textContent = archetype.selectedOptions[0].dataset.description;
  });

  function addEntry(kind) {
    const node = document.getElementById("tpl-" + kind).content.firstElementChild.cloneNode(true);
    entries.appendChild(node);
    node.querySelector("select, input").focus();
    return node;
  }
  document.querySelectorAll("[data-add]").forEach(function (b) {
    b.addEventListener("click", function () { addEntry(b.dataset.add); });
  });
  entries.addEventListener("click", function (ev) {
    if (ev.target.classList.contains("remove")) {
      ev.target.closest("li").remove();
      runButton.focus();
    }
  });

  function num(li, name) { return Number(li.querySelector("[name=" + name + "]").value); }
  function text(li, name) { return li.querySelector("[name=" + name + "]").value; }

  function request() {
    const body = {
      archetype: archetype.value,
      days: Number(form.days.value),
      people: Number(form.people.value),
      ensemble: Number(form.ensemble.value),
      antibiotic: [], probiotic: [], diet: [], stress: [],
    };
    entries.querySelectorAll("li.entry").forEach(function (li) {
      const kind = li.dataset.kind;
      if (kind === "antibiotic") {
        body.antibiotic.push({ spectrum: text(li, "spectrum"), start: num(li, "start"), days: num(li, "length") });
      } else if (kind === "probiotic") {
        body.probiotic.push({ product: text(li, "product"), cfu_per_day: num(li, "cfu_per_day"), start: num(li, "start"), end: num(li, "end") });
      } else if (kind === "diet") {
        body.diet.push({ pattern: text(li, "pattern"), fibre_g: num(li, "fibre_g"), start: num(li, "start"), end: num(li, "end") });
      } else {
        body.stress.push({ level: num(li, "level"), start: num(li, "start"), end: num(li, "end") });
      }
    });
    return body;
  }

  // The timeline's entries as shaded day ranges (drawn on every plot).
  function shapes(body) {
    const out = [];
    const colours = { antibiotic: "#D55E00", probiotic: "#009E73", diet: "#E69F00", stress: "#CC79A7" };
    body.antibiotic.forEach(function (a) { out.push(["antibiotic", a.start, a.start + a.days]); });
    ["probiotic", "diet", "stress"].forEach(function (k) {
      body[k].forEach(function (e) { out.push([k, e.start, e.end]); });
    });
    return out.map(function (s) {
      return { type: "rect", xref: "x", yref: "paper", x0: s[1], x1: s[2], y0: 0, y1: 1,
               fillcolor: colours[s[0]], opacity: 0.15, line: { width: 0 }, layer: "below" };
    });
  }

  function traces(series, days, cohort) {
    const x = Array.from({ length: days }, function (_, i) { return i; });
    const out = [];
    const arms = [["no intervention", GREY, "dash"], ["timeline", BLUE, "solid"]];
    arms.forEach(function (a) {
      const arm = series.arms[a[0]];
      if (cohort) {
        out.push({ x: x, y: arm.high, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: a[0] + " 95 %" });
        out.push({ x: x, y: arm.low, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: a[1] + "33", hoverinfo: "skip", showlegend: false, name: a[0] + " 5 %" });
      }
      out.push({ x: x, y: arm.median, mode: "lines", name: a[0], line: { color: a[1], dash: a[2], width: 2 } });
    });
    return out;
  }

  function fmt(v) { return Number(v).toPrecision(3); }

  function summary(result) {
    const tbody = document.querySelector("#summary tbody");
    tbody.textContent = "";
    Object.entries(result.series).forEach(function (kv) {
      const key = kv[0], s = kv[1];
      const y = s.arms["timeline"].median, ctl = s.arms["no intervention"].median;
      const lo = y.indexOf(Math.min.apply(null, y)), hi = y.indexOf(Math.max.apply(null, y));
      const tr = document.createElement("tr");
      tr.dataset.quantity = key;
      const cells = [s.label + " (" + s.unit + ")", fmt(y[0]), fmt(y[lo]) + " (day " + lo + ")",
                     fmt(y[hi]) + " (day " + hi + ")", fmt(y[y.length - 1]), fmt(ctl[ctl.length - 1])];
      cells.forEach(function (c, i) {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { td.scope = "row"; }
        td.textContent = c;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function draw(result, body) {
    const cohort = result.people > 1 || result.ensemble > 0;
    const layoutShapes = shapes(body);
    const plots = document.getElementById("plots");
    plots.result = result;
    results.hidden = false;
    Object.entries(result.series).forEach(function (kv) {
      const el = document.getElementById("plot-" + kv[0]);
      const layout = {
        margin: { l: 48, r: 8, t: 8, b: 36 }, height: 220, showlegend: false,
        xaxis: { title: { text: "day" }, range: [0, result.days - 1] },
        yaxis: { automargin: true }, shapes: layoutShapes,
        dragmode: TOUCH ? false : "zoom",
        font: { family: "system-ui, sans-serif", size: 12, color: "#1a1a1a" },
      };
      Plotly.react(el, traces(kv[1], result.days, cohort), layout, PLOT_CONFIG);
    });
    summary(result);
    plots.dataset.state = "ready";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const body = request();
    document.getElementById("plots").dataset.state = "running";
    runButton.disabled = true;
    status.className = "status";
    status.textContent = "Running the model...";
    const started = performance.now();
    fetch("/explorer/api/run", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok) {
        status.className = "status error";
        status.textContent = "Not run: " + answer.data.detail;
        document.getElementById("plots").dataset.state = "error";
        return;
      }
      draw(answer.data, body);
      const who = answer.data.people > 1 ? answer.data.people + " people" :
        answer.data.ensemble > 0 ? "one person under an " + answer.data.ensemble_label : "one person";
      status.textContent = "Simulated " + who + " for " + answer.data.days + " days in " +
        ((performance.now() - started) / 1000).toFixed(1) + " s.";
    }).catch(function () {
      status.className = "status error";
      status.textContent = "The server could not be reached; try again.";
    }).finally(function () { runButton.disabled = false; });
  });
})();
