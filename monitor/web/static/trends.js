// Trends: SVG charts drawn from /trends.json, built with DOM calls (no markup strings, no library).
"use strict";
(function () {
  var M = window.Monitor;
  var root = document.getElementById("trends");
  if (!root) return;
  var NS = "http://www.w3.org/2000/svg";
  var status = document.getElementById("trends-status");

  function svg(tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function label(iso, bucketSeconds) {
    var d = new Date(iso);
    var date = d.toISOString().slice(5, 10);
    return bucketSeconds >= 86400 ? date : date + " " + d.toISOString().slice(11, 16);
  }

  function shareChart(data) {
    var box = document.getElementById("share");
    box.replaceChildren();
    if (!data.total) { box.appendChild(M.el("p", "empty", "No mentions in this period.")); return; }
    var brands = data.brands.slice().sort(function (a, b) { return b.total - a.total; });
    // drawn at the size it is shown, so 13 px text is 13 px on a laptop and on a phone
    var row = 28, width = Math.max(300, Math.round(box.clientWidth || 640)), h = brands.length * row + 6;
    var labelW = Math.min(180, Math.round(width * 0.3));
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + h, role: "img", "class": "share-chart",
      "aria-label": "Share of voice: " + brands.map(function (b) { return b.brand + " " + Math.round(b.share * 100) + "%"; }).join(", ") });
    brands.forEach(function (b, i) {
      var y = i * row + 3, barW = width - labelW - 90;
      chart.appendChild(svg("text", { x: 0, y: y + 15, "class": "label" }, b.brand));
      chart.appendChild(svg("rect", { x: labelW, y: y + 3, width: barW, height: 16, rx: 3, "class": "share-bg" }));
      chart.appendChild(svg("rect", { x: labelW, y: y + 3, width: Math.max(1, barW * b.share), height: 16, rx: 3, "class": "share" }));
      chart.appendChild(svg("text", { x: labelW + barW + 8, y: y + 15, "class": "label" },
        Math.round(b.share * 1000) / 10 + "% (" + b.total + ")"));
    });
    box.appendChild(chart);
  }

  function brandChart(b, data, width) {
    var W = width, H = 240, L = 44, R = 36, T = 22, B = 30;
    var n = b.buckets.length, plotW = W - L - R, plotH = H - T - B;
    var maxCount = Math.max.apply(null, b.buckets.map(function (x) { return x.count; }).concat([1]));
    var step = plotW / n;
    var start = Date.parse(data.since), end = Date.parse(data.until);
    function xAt(t) { return L + ((t - start) / (end - start)) * plotW; }
    function ySent(s) { return T + ((1 - s) / 2) * plotH; }

    var card = M.el("figure", "chart");
    card.setAttribute("data-brand", b.brand);
    var head = M.el("h3", null, b.brand);
    card.appendChild(head);
    var avgs = b.buckets.filter(function (x) { return x.sentiment !== null; });
    var mean = avgs.length ? avgs.reduce(function (s, x) { return s + x.sentiment * x.count; }, 0) / Math.max(1, b.total) : null;
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "group",
      "aria-label": b.brand + ": " + b.total + " mentions" + (mean !== null ? ", average sentiment " + mean.toFixed(2) : "") +
        ", " + b.incidents.length + " incident" + (b.incidents.length === 1 ? "" : "s") });
    // grid and axes
    [0, 0.5, 1].forEach(function (f) {
      var y = T + plotH * (1 - f);
      chart.appendChild(svg("line", { x1: L, x2: W - R, y1: y, y2: y, "class": "grid" }));
      if (maxCount * f === Math.round(maxCount * f)) {  // whole counts only
        chart.appendChild(svg("text", { x: L - 4, y: y + 3, "text-anchor": "end", "class": "axis" }, maxCount * f));
      }
    });
    chart.appendChild(svg("text", { x: W - R + 4, y: ySent(1) + 3, "class": "axis" }, "+1"));
    chart.appendChild(svg("text", { x: W - R + 4, y: ySent(0) + 3, "class": "axis" }, "0"));
    chart.appendChild(svg("text", { x: W - R + 4, y: ySent(-1) + 3, "class": "axis" }, "−1"));
    chart.appendChild(svg("line", { x1: L, x2: W - R, y1: ySent(0), y2: ySent(0), "class": "zero" }));
    // volume bars
    b.buckets.forEach(function (x, i) {
      if (!x.count) return;
      var h = (x.count / maxCount) * plotH;
      var bar = svg("rect", { x: L + i * step + step * 0.1, y: T + plotH - h, width: Math.max(1, step * 0.8), height: h, "class": "bar" });
      bar.appendChild(svg("title", {}, label(x.t, data.bucket_seconds) + ": " + x.count + " mentions" +
        (x.sentiment !== null ? ", sentiment " + x.sentiment.toFixed(2) : "")));
      chart.appendChild(bar);
    });
    // sentiment line, broken where a bucket has no mentions
    var d = "", pen = false;
    b.buckets.forEach(function (x, i) {
      if (x.sentiment === null) { pen = false; return; }
      var px = (L + i * step + step / 2).toFixed(1), py = ySent(x.sentiment).toFixed(1);
      d += (pen ? " L" : " M") + px + " " + py;
      pen = true;
    });
    if (d) chart.appendChild(svg("path", { d: d.trim(), "class": "line" }));
    b.buckets.forEach(function (x, i) {
      if (x.sentiment === null) return;
      chart.appendChild(svg("circle", { cx: L + i * step + step / 2, cy: ySent(x.sentiment), r: 2.2, "class": "line" }));
    });
    // incident markers
    b.incidents.forEach(function (inc) {
      var x = xAt(Date.parse(inc.t));
      var a = svg("a", { href: "/incidents/" + encodeURIComponent(inc.id), "class": "mark mark" + inc.severity });
      a.appendChild(svg("title", {}, "Incident #" + inc.id + ": SEV" + inc.severity + " " + String(inc.category).replace(/_/g, " ") + " (" + inc.status + ")"));
      a.appendChild(svg("line", { x1: x, x2: x, y1: T - 6, y2: T + plotH, "class": "mark mark" + inc.severity }));
      a.appendChild(svg("path", { d: "M" + (x - 6) + " " + (T - 4) + " L" + (x + 6) + " " + (T - 4) + " L" + x + " " + (T - 14) + " Z", "class": "mark mark" + inc.severity }));
      chart.appendChild(a);
    });
    // time labels
    var ticks = [0, Math.floor(n / 2), n - 1];
    ticks.forEach(function (i, k) {
      var anchor = k === 0 ? "start" : k === 2 ? "end" : "middle";
      chart.appendChild(svg("text", { x: L + i * step + (k === 2 ? step : k === 0 ? 0 : step / 2), y: H - 8, "text-anchor": anchor, "class": "axis" },
        label(b.buckets[i].t, data.bucket_seconds)));
    });
    card.appendChild(chart);
    var legend = M.el("p", "chart-key");
    [["key-bar", "mentions per " + data.bucket], ["key-line", "average sentiment (−1 … +1, right axis)"], ["key-mark", "incident (▲, links to it)"]]
      .forEach(function (k) { var item = M.el("span", "key " + k[0]); item.appendChild(M.el("i", null, "")); item.appendChild(document.createTextNode(k[1])); legend.appendChild(item); });
    card.appendChild(legend);
    var caption = M.el("figcaption", "legend",
      b.total + " mentions · " + (mean !== null ? "average sentiment " + mean.toFixed(2) : "no sentiment") +
      " · " + b.incidents.length + " incident" + (b.incidents.length === 1 ? "" : "s") + " (UTC, per " + data.bucket + ")");
    card.appendChild(caption);
    // the same numbers as a table, for screen readers and for copying
    var details = M.el("details");
    details.appendChild(M.el("summary", "legend", "Data"));
    var table = M.el("table");
    var thead = M.el("thead"), hr = M.el("tr");
    ["Bucket (UTC)", "Mentions", "Avg sentiment"].forEach(function (h) { var th = M.el("th", null, h); th.scope = "col"; hr.appendChild(th); });
    thead.appendChild(hr); table.appendChild(thead);
    var tbody = M.el("tbody");
    b.buckets.forEach(function (x) {
      if (!x.count) return;
      var tr = M.el("tr");
      tr.appendChild(M.el("td", null, label(x.t, data.bucket_seconds)));
      tr.appendChild(M.el("td", "num", x.count));
      tr.appendChild(M.el("td", "num", x.sentiment !== null ? x.sentiment.toFixed(2) : "–"));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    details.appendChild(table);
    card.appendChild(details);
    return card;
  }

  function minutes(seconds) {
    var m = seconds / 60;
    return m < 90 ? Math.round(m) + " min" : (m / 60).toFixed(1) + " h";
  }

  // The team: incidents opened per bucket (bars) and the median time to first response (dots, right axis).
  function teamChart(data, width) {
    var W = width, H = 200, L = 44, R = 60, T = 18, B = 30;
    var rows = data.team || [], n = Math.max(1, rows.length), plotW = W - L - R, plotH = H - T - B, step = plotW / n;
    var maxInc = Math.max.apply(null, rows.map(function (x) { return x.incidents; }).concat([1]));
    var maxWait = Math.max.apply(null, rows.map(function (x) { return x.reply_median_s || 0; }).concat([60]));
    var card = M.el("figure", "chart");
    card.setAttribute("data-brand", "team");
    card.appendChild(M.el("h3", null, "All brands: incidents opened and time to first response"));
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": rows.reduce(function (s, x) { return s + x.incidents; }, 0) + " incidents opened, " +
        rows.reduce(function (s, x) { return s + x.replies; }, 0) + " replies marked" });
    var seen = {};
    [0, 0.5, 1].forEach(function (f) {
      var y = T + plotH * (1 - f);
      chart.appendChild(svg("line", { x1: L, x2: W - R, y1: y, y2: y, "class": "grid" }));
      var count = maxInc * f, wait = minutes(maxWait * f);
      // whole counts only, each label once: "1, 1, 0" on a small count reads as a broken axis
      if (count === Math.round(count)) chart.appendChild(svg("text", { x: L - 4, y: y + 4, "text-anchor": "end", "class": "axis" }, count));
      if (!seen[wait]) chart.appendChild(svg("text", { x: W - R + 4, y: y + 4, "class": "axis" }, wait));
      seen[wait] = true;
    });
    rows.forEach(function (x, i) {
      if (x.incidents) {
        var h = (x.incidents / maxInc) * plotH;
        var bar = svg("rect", { x: L + i * step + step * 0.1, y: T + plotH - h, width: Math.max(1, step * 0.8), height: h, "class": "bar incidents" });
        bar.appendChild(svg("title", {}, label(x.t, data.bucket_seconds) + ": " + x.incidents + " incident" + (x.incidents === 1 ? "" : "s") + " opened"));
        chart.appendChild(bar);
      }
      if (x.reply_median_s !== null) {
        var dot = svg("circle", { cx: L + i * step + step / 2, cy: T + plotH * (1 - x.reply_median_s / maxWait), r: 4, "class": "wait" });
        dot.appendChild(svg("title", {}, label(x.t, data.bucket_seconds) + ": " + x.replies + " repl" + (x.replies === 1 ? "y" : "ies") + ", median " + minutes(x.reply_median_s)));
        chart.appendChild(dot);
      }
    });
    [0, Math.floor(n / 2), n - 1].forEach(function (i, k) {
      if (!rows[i]) return;
      var anchor = k === 0 ? "start" : k === 2 ? "end" : "middle";
      chart.appendChild(svg("text", { x: L + i * step + (k === 2 ? step : k === 0 ? 0 : step / 2), y: H - 8, "text-anchor": anchor, "class": "axis" },
        label(rows[i].t, data.bucket_seconds)));
    });
    card.appendChild(chart);
    var legend = M.el("p", "chart-key");
    [["key-incidents", "incidents opened per " + data.bucket], ["key-wait", "median time to first response (right axis)"]]
      .forEach(function (k) { var item = M.el("span", "key " + k[0]); item.appendChild(M.el("i", null, "")); item.appendChild(document.createTextNode(k[1])); legend.appendChild(item); });
    card.appendChild(legend);
    return card;
  }

  var loaded = null, drawnAt = 0;
  function draw(data) {
    shareChart(data);
    var charts = document.getElementById("charts");
    charts.replaceChildren();
    if (!data.brands.length) charts.appendChild(M.el("p", "empty", "No brands configured."));
    // one chart per row, drawn at the width a chart's card gives its content (measured on an empty one)
    var probe = M.el("figure", "chart");
    charts.appendChild(probe);
    var cs = getComputedStyle(probe);
    var inner = probe.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    charts.removeChild(probe);
    var width = Math.max(280, Math.round(inner || 640));
    drawnAt = charts.clientWidth;
    data.brands.forEach(function (b) { charts.appendChild(brandChart(b, data, width)); });
    var team = document.getElementById("team");
    team.replaceChildren();
    if (data.team) team.appendChild(teamChart(data, width));
  }
  var pending = null;
  window.addEventListener("resize", function () {
    if (!loaded || pending) return;
    pending = setTimeout(function () {
      pending = null;
      if (Math.abs(document.getElementById("charts").clientWidth - drawnAt) > 20) draw(loaded);
    }, 200);
  });

  fetch(root.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (data) {
      loaded = data;
      draw(data);
      status.textContent = data.total + " mentions from " + label(data.since, 3600) + " to " + label(data.until, 3600) + " UTC";
      root.setAttribute("data-ready", "1");
    })
    .catch(function (e) { status.textContent = "Could not load the trends: " + e.message; });
})();
