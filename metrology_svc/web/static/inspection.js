// The inspection field page: scan a stamp (BarcodeDetector, else the npm-pinned jsQR copied to
// /web/static/vendor/), check it, record findings, measurement checks and measures into one
// queue kept in the browser (localStorage), and sync the queue when online. Each entry has its
// own client_uuid, so a resend is answered "duplicate"; an entry leaves the queue only after
// the server answered created, duplicate or rejected (kept, with its reason, under "Rejected").
// Recording needs no network at all.
(function () {
  "use strict";
  var root = document.getElementById("field");
  if (!root) return;
  var W = JSON.parse(document.getElementById("words").textContent);
  var lang = root.dataset.lang;
  var inspectionId = root.dataset.inspection;
  var csrf = root.dataset.csrf;
  var KEY = "metrology-findings-" + inspectionId;
  var REJECTED = KEY + "-rejected";
  var $ = function (id) { return document.getElementById(id); };
  var syncing = false;

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, items) { localStorage.setItem(key, JSON.stringify(items)); }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // A queued entry is a finding (no type: queued by an earlier version of this page), a
  // measure or a measurement check; each is sent in its own list of one batch.
  var LISTS = { finding: "items", measure: "measures", check: "checks" };
  function typeOf(item) { return item.type || "finding"; }
  function payload(item) {
    var copy = {};
    Object.keys(item).forEach(function (k) { if (k !== "type") copy[k] = item[k]; });
    return copy;
  }

  function describe(item) {
    var type = typeOf(item), what, ref = "";
    if (type === "measure") {
      what = W["mk_" + item.kind] || item.kind;
      if (item.seal_numbers && item.seal_numbers.length) ref += " · " + item.seal_numbers.join(", ");
    } else if (type === "check") {
      what = W["ck_" + item.kind] || item.kind;
      ref += (item.goods ? " · " + item.goods : "") + " · " + item.declared + " → " + item.measured;
    } else {
      what = W["fk_" + item.kind] || item.kind;
      if (item.stamp_code) ref += " · " + item.stamp_code.slice(0, 16) + "…";
      if (item.goods) ref += " · " + item.goods;
    }
    if (item.instrument_id) ref += " · #" + item.instrument_id;
    return W["in_queued_kind_" + type] + ": " + what + ref + (item.note ? " · " + item.note : "");
  }

  function li(text, attrs) {
    var el = document.createElement("li");
    el.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function show() {
    var queue = load(KEY), rejected = load(REJECTED);
    $("pending-count").textContent = String(queue.length);
    var q = $("queue"); q.textContent = "";
    queue.forEach(function (item) {
      q.appendChild(li(W.in_pending + ": " + describe(item), { "data-uuid": item.client_uuid, "class": "pending" }));
    });
    var r = $("rejected"); r.textContent = "";
    rejected.forEach(function (x) {
      r.appendChild(li(describe(x.item) + " — " + x.reason, { "data-uuid": x.item.client_uuid, "class": "short" }));
    });
    $("net-state").textContent = navigator.onLine ? W.in_net_online : "⚠ " + W.in_net_offline;
    $("net-state").dataset.online = navigator.onLine ? "yes" : "no";
  }

  function markSynced(item, r) {
    var list = $("synced");
    if (!list) {
      list = document.createElement("ul");
      list.id = "synced"; list.className = "feed";
      var h = document.createElement("h3"); h.textContent = W.in_synced;
      $("queue").parentNode.insertBefore(h, $("rejected").previousElementSibling);
      $("queue").parentNode.insertBefore(list, $("rejected").previousElementSibling);
    }
    var verdict = r.verdict ? " — " + (W["vd_" + r.verdict] || r.verdict) : "";
    list.appendChild(li(W.in_synced + " (" + (W["in_sync_" + r.status] || r.status) + "): " +
      describe(item) + verdict, { "data-uuid": item.client_uuid, "data-status": r.status,
                                  "data-verdict": r.verdict || "" }));
  }

  function sync() {
    var queue = load(KEY);
    if (syncing || queue.length === 0 || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var batch = queue.slice(0, 100);
    var sent = { items: [], measures: [], checks: [] };
    batch.forEach(function (item) { sent[LISTS[typeOf(item)]].push(item); });
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    Object.keys(sent).forEach(function (name) {
      if (sent[name].length) body.set(name, JSON.stringify(sent[name].map(payload)));
    });
    return fetch("/web/inspections/" + inspectionId + "/findings/sync", {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (res) {
      var type = res.headers.get("content-type") || "";
      if (!res.ok || type.indexOf("application/json") < 0) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (result) {
      var done = {}, rejected = load(REJECTED);
      Object.keys(sent).forEach(function (name) {
        (result[name] || []).forEach(function (r) {
          var item = sent[name][r.index];
          if (!item) return;
          done[item.client_uuid] = true;
          if (r.status === "created" || r.status === "duplicate") {
            markSynced(item, r);
          } else {
            rejected.push({ item: item, reason: (lang === "vi" ? r.message_vi : r.message) || r.status });
          }
        });
      });
      save(REJECTED, rejected);
      save(KEY, load(KEY).filter(function (i) { return !done[i.client_uuid]; }));
    }).catch(function () {
      // Kept in the queue: the next 'online' event, load or button press sends it again.
    }).then(function () {
      syncing = false;
      show();
    });
  }

  // Numbers go as typed: the server reads them the Vietnamese way (1.000 is a thousand) and
  // refuses, with the reason, what it cannot read; nothing is guessed here.
  function points(text) {
    return text.split(/\n+/).map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var p = line.split(/\s*;\s*/);
      return { reference: p[0], indicated: p[1] || "" };
    });
  }

  function queueItem(item) {
    var queue = load(KEY);
    queue.push(item);
    save(KEY, queue);
    show();
    sync();
  }

  function instrumentOf(id) {
    var v = $(id).value.trim();
    return v ? Number(v) : null;
  }

  $("finding-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kind = document.querySelector("input[name=kind]:checked").value;
    var item = { client_uuid: uuid(), kind: kind, note: $("f-note").value.trim(),
                 observed_at: new Date().toISOString() };
    var code = codeOf($("stamp-code").value);
    if (code && kind !== "no_stamp") item.stamp_code = code;  // "no stamp": nothing to scan
    var inst = instrumentOf("f-instrument");
    if (inst) item.instrument_id = inst;
    var pts = points($("f-points").value);
    if (pts.length) item.points = pts;
    var goods = $("f-goods").value.trim();
    if (goods) item.goods = goods;
    $("f-note").value = ""; $("f-points").value = ""; $("f-instrument").value = ""; $("f-goods").value = "";
    $("stamp-code").value = ""; $("stamp-state").textContent = "";
    delete $("stamp-state").dataset.state;
    queueItem(item);
  });

  function checkKind() { return document.querySelector("input[name=check-kind]:checked").value; }
  function showCheckFields() {
    var kind = checkKind();
    Array.prototype.forEach.call(document.querySelectorAll("#check-form [data-for]"), function (el) {
      el.hidden = el.dataset.for.split(" ").indexOf(kind) < 0;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=check-kind]"), function (el) {
    el.addEventListener("change", showCheckFields);
  });
  showCheckFields();

  $("check-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kind = checkKind();
    var item = { type: "check", client_uuid: uuid(), kind: kind, goods: $("c-goods").value.trim(),
                 declared: $("c-declared").value.trim(), measured: $("c-measured").value.trim(),
                 note: $("c-note").value.trim() };
    var inst = instrumentOf("c-instrument");
    if (inst) item.instrument_id = inst;
    if (!$("c-max").hidden && $("c-max").value.trim()) item.scale_max_g = $("c-max").value.trim();
    if (!$("c-interval").hidden && $("c-interval").value.trim()) item.scale_interval_g = $("c-interval").value.trim();
    ["c-goods", "c-declared", "c-measured", "c-max", "c-interval", "c-note", "c-instrument"].forEach(function (id) {
      $(id).value = "";
    });
    queueItem(item);
  });

  $("measure-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kind = document.querySelector("input[name=measure-kind]:checked").value;
    var item = { type: "measure", client_uuid: uuid(), kind: kind, note: $("m-note").value.trim(),
                 after_repair: $("m-after-repair").checked };
    var inst = instrumentOf("m-instrument");
    if (inst) item.instrument_id = inst;
    var seals = $("m-seals").value.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
    if (seals.length) item.seal_numbers = seals;
    if ($("m-deadline").value) item.deadline = $("m-deadline").value;
    ["m-note", "m-instrument", "m-seals", "m-deadline"].forEach(function (id) { $(id).value = ""; });
    $("m-after-repair").checked = false;
    queueItem(item);
  });

  // --- stamps: the code from a scanned URL (…/v/CODE) or typed, checked with the public API ---
  function codeOf(text) {
    var m = /\/v\/([^/?#\s]+)/i.exec(text);
    return m ? decodeURIComponent(m[1]) : text.trim();
  }

  function check(code) {
    var box = $("stamp-state");
    if (!code) return;
    $("stamp-code").value = code;
    if (!navigator.onLine) {
      box.textContent = "⚠ " + W.in_net_offline + ": " + code.slice(0, 24) + "…";
      box.dataset.state = "offline";
      return;
    }
    fetch("/api/v1/stamps/verify?code=" + encodeURIComponent(code)).then(function (r) {
      return r.json();
    }).then(function (res) {
      if (!res.state) {  // e.g. 429: too many checks from this address
        var err = res.error || {};
        box.textContent = "⚠ " + ((lang === "vi" ? err.message_vi : err.message) || "?");
        box.dataset.state = "error";
        return;
      }
      box.textContent = "";
      box.dataset.state = res.state;
      var h = document.createElement("p");
      h.className = "badge " + res.state;
      h.id = "stamp-title";
      h.textContent = lang === "vi" ? res.title_vi : res.title_en;
      box.appendChild(h);
      if (res.stamp) {
        var p = document.createElement("p");
        p.textContent = res.stamp.serial + " · " + res.stamp.valid_until +
          (res.instrument ? " · " + (lang === "vi" ? res.instrument.type_vi : res.instrument.type_en) : "");
        box.appendChild(p);
      }
    }).catch(function () {
      box.textContent = "⚠ " + code.slice(0, 24) + "…";
      box.dataset.state = "error";
    });
  }
  $("stamp-check").addEventListener("click", function () { check(codeOf($("stamp-code").value)); });

  var stream = null, timer = null;
  function stopCamera() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    $("camera").hidden = true; $("camera-stop").hidden = true; $("camera-start").hidden = false;
  }

  function detector() {
    if ("BarcodeDetector" in window) {
      var bd = new window.BarcodeDetector({ formats: ["qr_code"] });
      return function (video) {
        return bd.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }
    if (typeof window.jsQR === "function") {
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      return function (video) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        if (!canvas.width) return Promise.resolve(null);
        ctx.drawImage(video, 0, 0);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    }
    return null;
  }

  $("camera-start").addEventListener("click", function () {
    var detect = detector();
    if (!detect || !navigator.mediaDevices) { $("no-decoder").hidden = false; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      var video = $("camera");
      video.srcObject = s; video.hidden = false;
      $("camera-stop").hidden = false; $("camera-start").hidden = true;
      return video.play().then(function () {
        var tick = function () {
          if (!stream) return;
          detect(video).then(function (text) {
            if (text) { stopCamera(); check(codeOf(text)); return; }
            timer = setTimeout(tick, 200);
          }, function () { timer = setTimeout(tick, 400); });
        };
        tick();
      });
    }).catch(function (e) {
      stopCamera();
      $("stamp-state").textContent = "⚠ " + e.name;
    });
  });
  $("camera-stop").addEventListener("click", stopCamera);
  if (!("BarcodeDetector" in window) && typeof window.jsQR !== "function") $("no-decoder").hidden = false;

  $("sync-now").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { show(); sync(); });
  window.addEventListener("offline", show);
  show();
  sync();
})();
