// Verification form: judge each test point as it is typed, through POST /web/verifications/preview
// (the server reads the typed text the Vietnamese way and runs the same Python rules as the
// recording; nothing is parsed here, so the preview and the record cannot disagree).
// Our own code, no library.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form) { return; }
  var words = JSON.parse(document.getElementById("words").textContent);
  var body = document.querySelector("#points tbody");
  var overall = document.getElementById("overall");
  var missing = document.getElementById("missing");
  var problem = document.getElementById("preview-message");
  var date = document.getElementById("f-verified_on");
  var timer = null;
  var generation = 0;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.point")); }
  function value(row, name) {
    var input = row.querySelector('input[name="' + name + '"]');
    return input ? input.value.trim() : "";
  }
  function show(row, text, cls) {
    var cell = row.querySelector(".out-result");
    var mark = document.createElement("span");
    mark.textContent = text;
    if (cls) { mark.className = cls; }
    cell.replaceChildren(mark);
  }

  function judge() {
    var filled = [];
    var points = [];
    rows().forEach(function (row) {
      var ref = value(row, "reference"), ind = value(row, "indicated"), mpe = value(row, "mpe");
      if (ref === "" || ind === "") {
        row.querySelector(".out-error").textContent = "—";
        row.querySelector(".out-mpe").textContent = "—";
        show(row, "—", "");
        return;
      }
      var point = { reference: ref, indicated: ind };
      if (mpe !== "") { point.mpe = mpe; }
      filled.push(row);
      points.push(point);
    });
    if (!points.length) { overall.parentNode.hidden = true; missing.hidden = true; return; }
    var mine = ++generation;
    var asked = { instrument_id: Number(form.dataset.instrument), points: points };
    if (date && date.value) { asked.verified_on = date.value; }
    fetch("/web/verifications/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(asked)
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== generation || !data.points) { return; }
      problem.textContent = data.message || "";
      problem.hidden = !data.message;
      data.points.forEach(function (p, n) {
        var row = filled[n];
        if (!p.ok) {
          row.querySelector(".out-error").textContent = "—";
          row.querySelector(".out-mpe").textContent = "—";
          show(row, p.message, "badge fail");
          return;
        }
        row.querySelector(".out-error").textContent = p.error_text;
        row.querySelector(".out-mpe").textContent = "±" + p.mpe_text;
        row.querySelector(".out-mpe").title = p.mpe_rule || "";
        show(row, p.passed ? words.pass : words.fail, "badge " + (p.passed ? "pass" : "fail"));
      });
      // The set's result once every point is judged: pass, fail, or incomplete (loads missing).
      var result = data.result || "fail";
      overall.textContent = words[result];
      overall.className = "badge " + result;
      overall.parentNode.hidden = !data.result;
      missing.replaceChildren.apply(missing, data.missing.map(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        return item;
      }));
      missing.hidden = !data.missing.length;
    }).catch(function () { overall.textContent = ""; });
  }

  function later() { clearTimeout(timer); timer = setTimeout(judge, 200); }

  body.addEventListener("input", later);
  if (date) { date.addEventListener("change", later); }
  document.getElementById("add-point").addEventListener("click", function () {
    var last = rows()[rows().length - 1];
    var copy = last.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("input"), function (i) {
      i.value = "";
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    });
    Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (e) { e.remove(); });
    copy.querySelector(".seq").textContent = String(rows().length + 1);
    copy.querySelector(".out-error").textContent = "—";
    copy.querySelector(".out-mpe").textContent = "—";
    show(copy, "—", "");
    body.appendChild(copy);
    copy.querySelector("input").focus();
  });
  judge();
}());
