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
    if (!points.length) { overall.parentNode.hidden = true; return; }
    var mine = ++generation;
    fetch("/web/verifications/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ instrument_id: Number(form.dataset.instrument), points: points })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== generation || !data.points) { return; }
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
        show(row, p.passed ? words.pass : words.fail, "badge " + (p.passed ? "pass" : "fail"));
      });
      overall.textContent = (data.passed ? words.pass : words.fail);
      overall.className = "badge " + (data.passed ? "pass" : "fail");
      overall.parentNode.hidden = false;
    }).catch(function () { overall.textContent = ""; });
  }

  function later() { clearTimeout(timer); timer = setTimeout(judge, 200); }

  body.addEventListener("input", later);
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
