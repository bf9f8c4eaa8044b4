// Keeps the daily form as a draft in this browser until the server confirms it is stored, and
// marks a slider answered once it is moved (its "Not answered" box is ticked until then).
// Without JavaScript the form still posts normally (the participant clears the box by hand).
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  var PREFIX = "gb-draft-";
  if (!form) {
    return;
  }
  var key = form.getAttribute("data-draft-key");
  var status = document.getElementById("draft-status");
  var clientField = form.querySelector("input[name=client_id]");
  var SKIP = "unanswered_";

  function say(text) { if (status) { status.textContent = text; } }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }
  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || (el.name.indexOf("a_") !== 0 && el.name.indexOf(SKIP) !== 0)) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      out[el.name] = el.value;
    });
    return out;
  }
  function save() {
    try {
      localStorage.setItem(key, JSON.stringify({ values: fields(), client_id: clientField.value }));
      say("Draft kept on this device until it is sent.");
    } catch (e) { /* storage full or disabled: the form still works */ }
  }
  // The "Not answered" box of slider ``name`` (a_<key> -> unanswered_<key>), or null.
  function skipBox(name) { return document.getElementById(SKIP + name.slice(2)); }
  function syncOutputs() {
    Array.prototype.forEach.call(form.querySelectorAll("output[data-for]"), function (o) {
      var input = document.getElementById(o.getAttribute("data-for"));
      if (!input) { return; }
      var box = skipBox(input.name);
      var skipped = !!(box && box.checked);
      o.textContent = skipped ? "not answered" : input.value;
      input.classList.toggle("unanswered", skipped);
    });
  }
  // Touching a slider answers it, even where it already rests (no input event fires then).
  function answered(ev) {
    var el = ev.target;
    if (el.type !== "range") { return; }
    var box = skipBox(el.name);
    if (box && box.checked) { box.checked = false; syncOutputs(); save(); }
  }
  // Required sliders still "not answered": their labels, for the message before sending.
  function missingRequired() {
    var out = [];
    Array.prototype.forEach.call(form.querySelectorAll("[data-required][data-vas]"), function (d) {
      var box = skipBox(d.getAttribute("data-vas"));
      if (box && box.checked) { out.push(d.getAttribute("data-required")); }
    });
    return out;
  }
  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(key); } catch (e) { raw = null; }
    if (!raw) { clientField.value = newId(); return; }
    var draft = JSON.parse(raw);
    clientField.value = draft.client_id || newId();
    Array.prototype.forEach.call(form.querySelectorAll("input[name^='" + SKIP + "']"), function (b) {
      b.checked = Object.prototype.hasOwnProperty.call(draft.values || {}, b.name);
    });
    Object.keys(draft.values || {}).forEach(function (name) {
      var els = form.querySelectorAll("[name='" + name + "']");
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === draft.values[name]; }
        else { el.value = draft.values[name]; }
      });
    });
    syncOutputs();
    say("Your unsent draft was restored. Press the button to send it.");
  }

  restore();
  form.addEventListener("input", function (ev) { answered(ev); syncOutputs(); save(); });
  form.addEventListener("pointerup", answered);
  form.addEventListener("change", function () { syncOutputs(); save(); });
  form.addEventListener("submit", function (ev) {
    var missing = missingRequired();
    if (missing.length) {
      ev.preventDefault();
      say("Not sent: please move the slider to answer: " + missing.join("; "));
      return;
    }
    if (!window.fetch || !window.FormData) { return; }  // plain post
    ev.preventDefault();
    save();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say("Sending...");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      button.disabled = false;
      if (!r.ok) {
        var d = r.body && r.body.detail;
        say("Not saved: " + (typeof d === "string" ? d : "please check your answers") + ". Your draft is kept.");
        return;
      }
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
      clientField.value = newId();
      var box = document.getElementById("confirm-box");
      box.hidden = false;
      box.setAttribute("role", "status");
      box.className = "ok";
      box.textContent = "Saved: day " + r.body.day + ", version " + r.body.revision + ". Thank you!";
      if (r.body.risk && r.body.crisis_text) {
        var c = document.createElement("section");
        c.className = "crisis";
        c.setAttribute("role", "alert");
        var h = document.createElement("h2");
        h.textContent = "Support is available now";
        var p = document.createElement("p");
        p.textContent = r.body.crisis_text;
        c.appendChild(h);
        c.appendChild(p);
        box.parentNode.insertBefore(c, box);
      }
      say("");
      box.scrollIntoView();
    }).catch(function () {
      button.disabled = false;
      say("No connection: not sent yet. Your answers are kept on this device; try again later.");
    });
  });
  // Forget drafts of days that were confirmed elsewhere: keep only this day's key.
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0 && k !== key && k.split("-")[2] === key.split("-")[2]) {
        localStorage.removeItem(k);
      }
    }
  } catch (e) { /* ignore */ }
}());
