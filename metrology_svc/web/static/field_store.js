// The field page's queue in IndexedDB: entries recorded offline survive reloads, closed tabs,
// browser restarts and app updates (the service worker never touches this database; a new
// version of this file may only add stores). Each entry is keyed by its client_uuid, so writing
// it twice keeps one, and carries the user and the inspection it belongs to: a page shows and
// sends only its own user's entries for its own inspection.
// window.FieldStore.open(owner, inspection) → Promise of a store with list(), add(item),
// finish(doneUuids, rejected), rejected(), meta(key), setMeta(key, value).
(function () {
  "use strict";
  var DB = "metrology-field", VERSION = 1;

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open(DB, VERSION);
      r.onupgradeneeded = function () {
        var db = r.result;  // only ever add stores: an update must never drop a queued entry
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "client_uuid" });
        if (!db.objectStoreNames.contains("rejected")) db.createObjectStore("rejected", { keyPath: "client_uuid" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      r.onsuccess = function () {
        var db = r.result;
        db.onversionchange = function () { db.close(); };  // let a newer page upgrade it
        resolve(db);
      };
      r.onerror = function () { reject(r.error); };
      r.onblocked = function () { reject(new Error("blocked")); };
    });
  }

  function Store(db, owner, inspection) {
    this.db = db; this.owner = String(owner); this.inspection = String(inspection);
  }
  Store.prototype.mine = function (row) {
    return row.owner === this.owner && row.inspection === this.inspection;
  };
  Store.prototype.all = function (name) {
    var self = this;
    return req(this.db.transaction(name).objectStore(name).getAll()).then(function (rows) {
      return rows.filter(function (row) { return self.mine(row); })
        .sort(function (a, b) { return a.seq - b.seq; });
    });
  };
  // The queued entries, oldest first: [{client_uuid, item, queued_at}].
  Store.prototype.list = function () { return this.all("queue"); };
  Store.prototype.rejected = function () { return this.all("rejected"); };
  Store.prototype.row = function (item, extra) {
    var row = { client_uuid: item.client_uuid, owner: this.owner, inspection: this.inspection,
                item: item, queued_at: new Date().toISOString(), seq: Date.now() + Math.random() };
    Object.keys(extra || {}).forEach(function (k) { row[k] = extra[k]; });
    return row;
  };
  Store.prototype.add = function (item) {
    var tx = this.db.transaction("queue", "readwrite");
    tx.objectStore("queue").put(this.row(item));
    return done(tx);
  };
  // After the server answered: the answered entries leave the queue, refused ones are kept
  // with their reason; all in one transaction, so a crash leaves either before or after.
  Store.prototype.finish = function (doneUuids, rejected, syncedAt) {
    var self = this, tx = this.db.transaction(["queue", "rejected", "meta"], "readwrite");
    doneUuids.forEach(function (u) { tx.objectStore("queue").delete(u); });
    rejected.forEach(function (x) {
      tx.objectStore("rejected").put(self.row(x.item, { reason: x.reason }));
    });
    if (syncedAt) tx.objectStore("meta").put({ key: this.metaKey("synced"), value: syncedAt });
    return done(tx);
  };
  Store.prototype.metaKey = function (name) {
    return name + ":" + this.owner + ":" + this.inspection;
  };
  Store.prototype.meta = function (name) {
    return req(this.db.transaction("meta").objectStore("meta").get(this.metaKey(name)))
      .then(function (row) { return row ? row.value : null; });
  };
  Store.prototype.setMeta = function (name, value) {
    var tx = this.db.transaction("meta", "readwrite");
    tx.objectStore("meta").put({ key: this.metaKey(name), value: value });
    return done(tx);
  };
  // Earlier versions of the page kept the queue in localStorage: move it here once (put by
  // client_uuid, so a second run changes nothing), then remove it from localStorage.
  Store.prototype.migrate = function () {
    var key = "metrology-findings-" + this.inspection, rkey = key + "-rejected";
    var parse = function (k) {
      try { return JSON.parse(localStorage.getItem(k) || "[]"); } catch (e) { return []; }
    };
    var queued = parse(key), rejected = parse(rkey);
    if (!queued.length && !rejected.length) return Promise.resolve(0);
    var self = this, tx = this.db.transaction(["queue", "rejected"], "readwrite");
    queued.forEach(function (item) {
      if (item && item.client_uuid) tx.objectStore("queue").put(self.row(item));
    });
    rejected.forEach(function (x) {
      if (x && x.item && x.item.client_uuid) tx.objectStore("rejected").put(self.row(x.item, { reason: x.reason }));
    });
    return done(tx).then(function () {
      localStorage.removeItem(key); localStorage.removeItem(rkey);
      return queued.length;
    });
  };

  window.FieldStore = {
    open: function (owner, inspection) {
      // Ask the browser not to evict this origin's storage under pressure (queued findings).
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      return openDb().then(function (db) {
        var store = new Store(db, owner, inspection);
        return store.migrate().then(function () { return store; });
      });
    }
  };
})();
