// Shared helpers: relative times that stay current. No data is ever put in with innerHTML.
"use strict";
(function () {
  function ago(iso, now) {
    var t = Date.parse(iso);
    if (isNaN(t)) return "";
    var s = Math.round(((now || Date.now()) - t) / 1000);
    var future = s < 0;
    s = Math.abs(s);
    var text;
    if (s < 60) text = s + " s";
    else if (s < 3600) text = Math.floor(s / 60) + " min";
    else if (s < 86400) {
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      text = h + " h" + (m ? " " + m + " min" : "");
    } else {
      var d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
      text = d + " d" + (hh ? " " + hh + " h" : "");
    }
    if (text === "0 s") return "just now";
    return future ? "in " + text : text + " ago";
  }

  function utc(iso) {
    var d = new Date(iso);
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  // <time> element for an ISO timestamp, refreshed with the others
  function timeEl(iso) {
    var el = document.createElement("time");
    el.setAttribute("datetime", iso);
    el.setAttribute("title", utc(iso));
    el.setAttribute("data-ago", "");
    el.textContent = ago(iso);
    return el;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // only http(s) URLs become links: never javascript: or data:
  function httpUrl(value) {
    if (!value) return null;
    try {
      var u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function refreshTimes() {
    var now = Date.now();
    document.querySelectorAll("time[data-ago]").forEach(function (t) {
      t.textContent = ago(t.getAttribute("datetime"), now);
    });
  }
  setInterval(refreshTimes, 30000);

  window.Monitor = { ago: ago, utc: utc, timeEl: timeEl, el: el, httpUrl: httpUrl };
})();
