// Checking a stamp code without the network, and the field page's dates.
// A code is Base32 of 75 bytes: key_id u8 | stamp_id u32 | instrument_id u32 | valid_until u16
// (days since 2000-01-01) | Ed25519 signature over the signing context + those 11 bytes
// (metrology_svc/stamps/rules.py). The signature is checked with WebCrypto's Ed25519 against the
// keys published at /api/v1/stamps/keys; the stamp's state comes from the site's status list
// as last synced (/web/inspections/{id}/stamps.json), its expiry recomputed for today.
// window.FieldStamps: decode(code), check(code, keysJson, statusJson) → Promise of a verdict,
// dmy("2028-10-24") → "24/10/2028", dmyhm(isoInstant) → "dd/mm/yyyy HH:MM" in Vietnam time.
(function () {
  "use strict";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var TZ = "Asia/Ho_Chi_Minh";

  function base32(text) {
    var clean = text.replace(/\s+/g, "").toUpperCase();
    if (clean.length !== 120 || /[^A-Z2-7]/.test(clean)) return null;
    var out = new Uint8Array(75), bits = 0, value = 0, n = 0;
    for (var i = 0; i < clean.length; i++) {
      value = ((value << 5) | ALPHABET.indexOf(clean[i])) & 0xffff; bits += 5;
      if (bits >= 8) { out[n++] = (value >>> (bits - 8)) & 0xff; bits -= 8; }
    }
    return out;
  }

  function isoDay(days) {
    return new Date(Date.UTC(2000, 0, 1) + days * 86400000).toISOString().slice(0, 10);
  }

  function decode(code) {
    var raw = base32(code);
    if (!raw) return null;
    var view = new DataView(raw.buffer);
    return { key_id: raw[0], stamp_id: view.getUint32(1), instrument_id: view.getUint32(5),
             valid_until: isoDay(view.getUint16(9)), payload: raw.slice(0, 11), signature: raw.slice(11) };
  }

  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  var imported = {};
  function verify(keysJson, fields) {
    var key = (keysJson.keys || []).filter(function (k) { return k.key_id === fields.key_id; })[0];
    if (!key) return Promise.resolve(false);  // a key we never published: forged
    var context = bytes(keysJson.signing_context_b64);
    var message = new Uint8Array(context.length + 11);
    message.set(context); message.set(fields.payload, context.length);
    var id = key.key_id + ":" + key.public_key_b64;
    if (!imported[id]) {
      imported[id] = crypto.subtle.importKey("raw", bytes(key.public_key_b64), { name: "Ed25519" },
                                             false, ["verify"]);
    }
    return imported[id].then(function (k) {
      return crypto.subtle.verify({ name: "Ed25519" }, k, fields.signature, message);
    });
  }

  // Today's date in Vietnam as YYYY-MM-DD.
  function today() {
    var p = parts(new Date());
    return p.year + "-" + p.month + "-" + p.day;
  }
  function addDays(iso, n) {
    return new Date(Date.parse(iso + "T00:00:00Z") + n * 86400000).toISOString().slice(0, 10);
  }

  // The rule of metrology_svc/stamps/rules.public_state (the server sends the reason), for the
  // day the check is made.
  function stateOf(entry, status) {
    if (entry.stamp_status !== "valid") return { state: "revoked", reason: entry.reason };
    if (status.blocking && status.blocking[entry.instrument_status]) {
      return { state: "suspended", reason: status.blocking[entry.instrument_status] };
    }
    var now = today();
    if (entry.valid_until < now) return { state: "expired", reason: null };
    if (entry.valid_until <= addDays(now, status.expiring_days || 0)) return { state: "expiring", reason: null };
    return { state: "valid", reason: null };
  }

  // → Promise of {state, entry?, fields?, listed, synced_at?}; state "malformed", "forged",
  // "not_listed" (genuine, not on this site's list) or a state of the public check.
  function check(code, keysJson, status) {
    var fields = decode(code);
    if (!fields) return Promise.resolve({ state: "malformed", listed: false });
    if (!keysJson) return Promise.reject(new Error("no_keys"));
    if (!(window.crypto && crypto.subtle)) return Promise.reject(new Error("no_crypto"));
    return verify(keysJson, fields).then(function (genuine) {
      if (!genuine) return { state: "forged", fields: fields, listed: !!status };
      var entry = status && (status.stamps || []).filter(function (s) { return s.id === fields.stamp_id; })[0];
      if (!entry) return { state: "not_listed", fields: fields, listed: !!status };
      if (entry.instrument_id !== fields.instrument_id || entry.valid_until !== fields.valid_until) {
        return { state: "forged", fields: fields, listed: true };  // signed, yet unlike the record
      }
      var s = stateOf(entry, status);
      return { state: s.state, reason: s.reason, entry: entry, fields: fields, listed: true };
    }, function () { throw new Error("no_crypto"); });
  }

  function parts(date) {
    var out = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
                                       hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function dmy(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : (iso || "");
  }
  function dmyhm(instant) {
    var d = new Date(instant);
    if (isNaN(d.getTime())) return "";
    var p = parts(d);
    return p.day + "/" + p.month + "/" + p.year + " " + p.hour + ":" + p.minute;
  }

  window.FieldStamps = { decode: decode, check: check, dmy: dmy, dmyhm: dmyhm, today: today };
})();
