// The inspection field page: scan a stamp (BarcodeDetector, else the npm-pinned jsQR copied to
// /web/static/vendor/), check it (online with the server; offline against the published keys and
// the site's status list as last synced: field_stamps.js), record findings, measurement checks
// and measures into one queue kept in IndexedDB (field_store.js; an older localStorage queue is
// moved there once), and sync the queue when online. Each entry has its own client_uuid, so a
// resend is answered "duplicate"; an entry leaves the queue only after the server answered
// created, duplicate or rejected (kept, with its reason, under "Rejected"). Recording needs no
// network at all. The service worker (/web/inspections/sw.js) keeps the page, its scripts, the
// keys and the status list, so the page also opens and reloads offline.
(function () {
  "use strict";
  var root = document.getElementById("field");
  if (!root) return;
  var W = JSON.parse(document.getElementById("words").textContent);
  var lang = root.dataset.lang;
  var inspectionId = root.dataset.inspection;
  var csrf = root.dataset.csrf;
  var F = JSON.parse(document.getElementById("field-words").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var syncing = false;
  var storeReady = window.FieldStore.open(root.dataset.user, inspectionId);
  var statusUrl = "/web/inspections/" + inspectionId + "/stamps.json";
  var keysUrl = "/api/v1/stamps/keys";
  var data = { keys: null, status: null };  // the last copies read (network, else the worker's)

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
      if (item.deadline) ref += " · " + window.FieldStamps.dmy(item.deadline);
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

  // The browser's word, corrected by experience: a failed read of the keys and the status list
  // means no signal even when navigator.onLine says otherwise (a captive or dead network).
  var reachable = true;
  function showNet() {
    var online = navigator.onLine && reachable;
    $("net-state").textContent = online ? W.in_net_online : "⚠ " + W.in_net_offline;
    $("net-state").dataset.online = online ? "yes" : "no";
  }

  function show() {
    showNet();
    return storeReady.then(function (store) {
      return Promise.all([store.list(), store.rejected(), store.meta("synced")]);
    }).then(function (got) {
      var queue = got[0], rejected = got[1], synced = got[2];
      var q = $("queue"); q.textContent = "";
      queue.forEach(function (row) {
        q.appendChild(li(W.in_pending + ": " + describe(row.item) + " · " + F.queued_at + " " +
                         window.FieldStamps.dmyhm(row.queued_at),
                         { "data-uuid": row.client_uuid, "class": "pending" }));
      });
      var r = $("rejected"); r.textContent = "";
      rejected.forEach(function (x) {
        r.appendChild(li(describe(x.item) + " — " + x.reason, { "data-uuid": x.client_uuid, "class": "short" }));
      });
      $("last-sync").textContent = F.last_sync + ": " + (synced ? window.FieldStamps.dmyhm(synced) : F.never_synced);
      $("last-sync").dataset.at = synced || "";
      $("pending-count").textContent = String(queue.length);
      $("pending-count").dataset.ready = "yes";
    });
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

  // One sync at a time across this browser's tabs (the server would answer a second send of an
  // entry "duplicate" anyway).
  function exclusive(task) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("metrology-field-sync-" + inspectionId, task);
    }
    return task();
  }

  function send(store) {
    return store.list().then(function (rows) {
      if (rows.length === 0) return null;
      var batch = rows.slice(0, 100).map(function (row) { return row.item; });
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
        if (res.redirected || res.status === 401 || res.status === 403) $("sync-error").hidden = false;
        if (!res.ok || type.indexOf("application/json") < 0) throw new Error("HTTP " + res.status);
        $("sync-error").hidden = true;
        return res.json();
      }).then(function (result) {
        var done = [], rejected = [], marks = [];
        Object.keys(sent).forEach(function (name) {
          (result[name] || []).forEach(function (r) {
            var item = sent[name][r.index];
            if (!item) return;
            done.push(item.client_uuid);
            if (r.status === "created" || r.status === "duplicate") {
              marks.push([item, r]);
            } else {
              rejected.push({ item: item, reason: (lang === "vi" ? r.message_vi : r.message) || r.status });
            }
          });
        });
        return store.finish(done, rejected, new Date().toISOString()).then(function () { return marks; });
      });
    });
  }

  var again = false;  // an entry recorded while a sync was running: sync once more after it
  function sync() {
    if (!navigator.onLine) return Promise.resolve();
    if (syncing) { again = true; return Promise.resolve(); }
    syncing = true; again = false;
    return storeReady.then(function (store) {
      return exclusive(function () { return send(store); });
    }).catch(function () {
      return null;  // kept in the queue: the next 'online' event, load or button press sends it
    }).then(function (marks) {
      syncing = false;
      return show().then(function () {
        (marks || []).forEach(function (m) { markSynced(m[0], m[1]); });
        if (again && marks) return sync();
      });
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
    return storeReady.then(function (store) { return store.add(item); }).then(function () {
      $("store-error").hidden = true;
      return show().then(sync);
    }, function () {
      $("store-error").hidden = false;  // say so: the inspector must not believe it was kept
    });
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
    delete $("stamp-state").dataset.how;
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

  function verdictBox(state, title, detail, how, howText) {
    var box = $("stamp-state");
    box.textContent = "";
    box.dataset.state = state;
    box.dataset.how = how;
    var h = document.createElement("p");
    h.className = "badge " + state;
    h.id = "stamp-title";
    h.textContent = title;
    box.appendChild(h);
    if (detail) {
      var p = document.createElement("p");
      p.textContent = detail;
      box.appendChild(p);
    }
    var m = document.createElement("p");
    m.className = "muted"; m.id = "stamp-how"; m.dataset.how = how;
    m.textContent = howText;
    box.appendChild(m);
  }

  function titleOf(state, status) {
    if (state === "not_listed") return F.not_listed;
    var t = status && status.titles && status.titles[state];
    return t ? t[lang === "vi" ? 0 : 1] : state;
  }

  // Offline: the signature against the published keys, the state from the status list.
  function checkOffline(code) {
    var box = $("stamp-state");
    return window.FieldStamps.check(code, data.keys, data.status).then(function (v) {
      var detail = "";
      if (v.entry) {
        detail = v.entry.serial + " · " + F.valid_until + " " + window.FieldStamps.dmy(v.entry.valid_until) +
          " · " + (lang === "vi" ? v.entry.type_vi : v.entry.type_en);
        var reason = lang === "vi" ? v.entry.reason_vi : v.entry.reason_en;
        if (v.state !== "valid" && v.state !== "expiring" && reason) detail += " · " + reason;
      } else if (v.fields) {
        detail = F.valid_until + " " + window.FieldStamps.dmy(v.fields.valid_until);
      }
      var how = data.status
        ? F.checked_offline.replace("{at}", window.FieldStamps.dmyhm(data.status.synced_at))
        : F.checked_offline_nolist;
      verdictBox(v.state, titleOf(v.state, data.status), detail, "offline", how);
    }, function (e) {
      box.textContent = "⚠ " + (F[e.message] || e.message);
      box.dataset.state = "error";
      box.dataset.how = "offline";
    });
  }

  function check(code) {
    if (!code) return Promise.resolve();
    $("stamp-code").value = code;
    if (!navigator.onLine) return checkOffline(code);
    return fetch("/api/v1/stamps/verify?code=" + encodeURIComponent(code)).then(function (r) {
      return r.json();
    }).then(function (res) {
      var box = $("stamp-state");
      if (!res.state) {  // e.g. 429: too many checks from this address
        var err = res.error || {};
        box.textContent = "⚠ " + ((lang === "vi" ? err.message_vi : err.message) || "?");
        box.dataset.state = "error";
        return;
      }
      var detail = "";
      if (res.stamp) {
        detail = res.stamp.serial + " · " + F.valid_until + " " + window.FieldStamps.dmy(res.stamp.valid_until) +
          (res.instrument ? " · " + (lang === "vi" ? res.instrument.type_vi : res.instrument.type_en) : "");
      }
      verdictBox(res.state, lang === "vi" ? res.title_vi : res.title_en, detail, "online", F.checked_online);
    }, function () {
      return checkOffline(code);  // no answer (no signal though "online"): check here
    });
  }
  $("stamp-check").addEventListener("click", function () { check(codeOf($("stamp-code").value)); });

  var stream = null, timer = null;
  function stopCamera() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    $("camera").hidden = true; $("camera-stop").hidden = true; $("camera-start").hidden = false;
  }

  // The browser's own BarcodeDetector where it reads QR codes (Android, ChromeOS, macOS), the
  // npm-pinned jsQR otherwise (desktop Linux and Windows Chromium expose no working detector).
  function nativeQr() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(false);
    var formats = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    return formats.then(function (f) { return f.indexOf("qr_code") >= 0; }, function () { return false; });
  }

  function detector(native) {
    if (native) {
      var bd = new window.BarcodeDetector({ formats: ["qr_code"] });
      $("camera").dataset.decoder = "native";
      return function (video) {
        return bd.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }
    if (typeof window.jsQR === "function") {
      $("camera").dataset.decoder = "jsqr";
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
    nativeQr().then(function (native) { startCamera(detector(native)); });
  });
  function startCamera(detect) {
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
  }
  $("camera-stop").addEventListener("click", stopCamera);
  nativeQr().then(function (native) {
    if (!native && typeof window.jsQR !== "function") $("no-decoder").hidden = false;
  });

  // --- offline app: the keys and the status list, the service worker, the manifest ---
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      var type = r.headers.get("content-type") || "";
      if (!r.ok || r.redirected || type.indexOf("json") < 0) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  function showStatus() {
    $("status-synced").textContent = data.status
      ? F.status_synced + " " + window.FieldStamps.dmyhm(data.status.synced_at) + " (" + data.status.stamps.length + ")"
      : F.checked_offline_nolist;
    $("status-synced").dataset.at = data.status ? data.status.synced_at : "";
  }
  // Online: fresh copies (the worker keeps them); offline: the worker's copies.
  function loadData() {
    var miss = function () {};  // kept: the copies read last time
    return Promise.all([
      fetch("/healthz", { cache: "no-store" }).then(function () { reachable = true; }, function () { reachable = false; }),
      getJson(keysUrl).then(function (k) { data.keys = k; }, miss),
      getJson(statusUrl).then(function (s) { data.status = s; }, miss)
    ]).then(function () { showNet(); showStatus(); });
  }

  function ask(message) {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!worker) return Promise.reject(new Error("no worker"));
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (ev) { resolve(ev.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }
  function showReady(ok, version) {
    $("offline-ready").textContent = ok ? F.offline_ready : F.offline_not_ready;
    $("offline-ready").dataset.ready = ok ? "yes" : "no";
    if (version) {
      $("app-version").textContent = F.app_version + ": " + version;
      $("app-version").dataset.version = version;
    }
  }
  // Once a worker controls the page: have it keep the page, the keys and the status list (the
  // page's first visit was answered before any worker ran), then say the page works offline.
  function keepOffline(pageKept) {
    var urls = [statusUrl, keysUrl];
    if (!pageKept) urls.push(location.pathname + location.search);
    return ask({ type: "keep", urls: urls }).then(function (reply) {
      showReady(!!reply.kept || !navigator.onLine, reply.version);
    }, function () { showReady(false); });
  }

  function installApp() {
    var link = document.createElement("link");  // the manifest belongs in <head>
    link.rel = "manifest";
    link.href = "/web/inspections/app.webmanifest";
    document.head.appendChild(link);
    if (!("serviceWorker" in navigator)) { showReady(false); return; }
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      keepOffline(false);  // a first install, or a new version taking over: keep everything again
    });
    navigator.serviceWorker.register("/web/inspections/sw.js", { scope: "/web/" }).catch(function () {
      showReady(false);
    });
    if (controlled) keepOffline(navigator.onLine);
    else showReady(false);
  }

  $("sync-now").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { showNet(); sync().then(loadData); });
  window.addEventListener("offline", showNet);
  installApp();
  show().then(sync).then(loadData);
})();
