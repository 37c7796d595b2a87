// Market page: show the control scale's consumer checks live (EventSource on our own feed,
// authenticated by the session cookie). Our own code, no library.
(function () {
  "use strict";
  var list = document.getElementById("feed");
  if (!list || !window.EventSource) { return; }
  var words = JSON.parse(list.dataset.words);
  var state = document.getElementById("feed-state");
  var source = new EventSource(list.dataset.src);
  var MAX = 100;

  function add(text, cls) {
    var item = document.createElement("li");
    item.textContent = text;
    if (cls) { item.className = cls; }
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX) { list.removeChild(list.lastChild); }
  }
  // The page's language and the market's clock (Vietnam), whatever the phone is set to.
  var locale = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  function time(iso) {
    return new Date(iso).toLocaleTimeString(locale, { timeZone: "Asia/Ho_Chi_Minh", hour12: false });
  }

  source.onopen = function () { state.textContent = words.live; state.className = "badge online"; };
  source.onerror = function () { state.textContent = words.lost; state.className = "badge offline"; };
  // A shortfall ("Thiếu") only under a binding table; under a reference table (R 87) the same
  // figure is a deviation ("Chênh lệch (tham khảo)"), never evidence. The rule is the tooltip.
  function verdict(c) {
    if (c.verdict === "short") { return words.short + " " + c.missing_g + " g"; }
    if (c.verdict === "deviation") { return words.deviation + " " + c.deviation_g + " g"; }
    return words[c.verdict] || words.ok;
  }
  source.addEventListener("check", function (event) {
    var c = JSON.parse(event.data);
    var cls = c.verdict === "short" || c.verdict === "deviation" ? c.verdict : "";
    add(time(c.measured_at) + " · " + (c.seller_ref || "?") + " · " + c.declared_g + " g → " +
        c.net_g + " g · " + verdict(c), cls);
    if (c.rule) { list.firstChild.title = c.rule; }
  });
  source.addEventListener("inspection_request", function (event) {
    var r = JSON.parse(event.data);
    add(time(r.created_at) + " · " + words.request + ": " + r.reason, "short");
  });
  // On reconnecting, EventSource sends the last event's id (Last-Event-ID) and the server
  // replays what was missed. When too much was missed it sends "gap" instead of the oldest:
  // say so above the list (not in it, where newer checks would push it out) with a reload
  // link, Vietnamese first. textContent only: the message is data, never markup.
  source.addEventListener("gap", function (event) {
    var g = JSON.parse(event.data);
    var box = document.getElementById("feed-gap");
    if (!box) {
      box = document.createElement("p");
      box.id = "feed-gap";
      box.className = "alert bad";
      box.setAttribute("role", "alert");
      list.parentNode.insertBefore(box, list);
    }
    box.textContent = g.message_vi + " / " + g.message + " ";
    var again = document.createElement("a");
    again.href = window.location.pathname;
    again.textContent = "Tải lại trang / Reload the page";
    box.appendChild(again);
  });
}());
