// The Now page, live: Server-Sent Events from /events redraw the incidents and add new mentions.
// Every value goes in through textContent or setAttribute: mention text can never become markup.
"use strict";
(function () {
  var M = window.Monitor;
  var root = document.getElementById("live");
  if (!root || !window.EventSource) return;
  var csrf = root.getAttribute("data-csrf");
  var status = document.getElementById("live-status");
  var rows = document.getElementById("incident-rows");
  var list = document.getElementById("mention-list");
  var known = {};
  var pending = null;
  rows.querySelectorAll("tr[data-id]").forEach(function (tr) { known[tr.getAttribute("data-id")] = true; });

  var SEV = { 1: "SEV1", 2: "SEV2", 3: "SEV3", 4: "SEV4" };

  function setStatus(on, text) {
    status.textContent = text;
    status.className = "live-status " + (on ? "on" : "off");
  }

  function cell(label, child, className) {
    var td = M.el("td", className);
    if (label) td.setAttribute("data-label", label);
    if (child !== null && child !== undefined) {
      if (typeof child === "string" || typeof child === "number") td.textContent = String(child);
      else td.appendChild(child);
    }
    return td;
  }

  function incidentRow(i) {
    var tr = M.el("tr", "status-" + i.status);
    tr.setAttribute("data-id", String(i.id));
    var sev = M.el("span", "sev sev" + i.severity, SEV[i.severity] || "SEV" + i.severity);
    sev.title = "Severity " + i.severity + " (1 is the worst)";
    tr.appendChild(cell("Severity", sev));
    var link = M.el("a", "inc-link");
    link.href = "/incidents/" + encodeURIComponent(i.id);
    link.appendChild(M.el("span", "brand-name", i.brand));
    link.appendChild(document.createTextNode(" · " + String(i.category).replace(/_/g, " ")));
    var what = cell("Incident", link);
    if (i.regressed) { what.appendChild(document.createTextNode(" ")); what.appendChild(M.el("span", "tag", "regressed")); }
    if (i.sample) what.appendChild(M.el("q", "sample", i.sample.length > 160 ? i.sample.slice(0, 159) + "…" : i.sample));
    if (i.why) what.appendChild(M.el("span", "why", "why: " + i.why));
    tr.appendChild(what);
    tr.appendChild(cell("Status", M.el("span", "status " + i.status, i.status)));
    tr.appendChild(cell("Mentions", i.mention_count, "num"));
    tr.appendChild(cell("Last hour", i.velocity, "num"));
    tr.appendChild(cell("First seen", M.timeEl(i.first_seen_at)));
    var who = cell("Who", null);
    if (i.acknowledged_by) who.appendChild(document.createTextNode("ack: " + i.acknowledged_by));
    else who.appendChild(M.el("span", "muted", "nobody yet"));
    if (i.assigned_to) { who.appendChild(M.el("br")); who.appendChild(document.createTextNode("assigned: " + i.assigned_to)); }
    tr.appendChild(who);
    var act = cell(null, null);
    if (i.status === "open") {
      var form = M.el("form", "inline");
      form.method = "post";
      form.action = "/incidents/" + encodeURIComponent(i.id) + "/ack";
      [["csrf", csrf], ["next", "/"]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
        form.appendChild(input);
      });
      var button = M.el("button", null, "Acknowledge");
      button.type = "submit";
      form.appendChild(button);
      act.appendChild(form);
    }
    tr.appendChild(act);
    if (!known[String(i.id)]) tr.classList.add("fresh");
    return tr;
  }

  function drawIncidents(incidents) {
    if (document.activeElement && rows.contains(document.activeElement)) {
      pending = incidents; // never yank a row from under the keyboard: redraw when focus leaves
      return false;
    }
    pending = null;
    var next = {};
    var frag = document.createDocumentFragment();
    incidents.forEach(function (i) { frag.appendChild(incidentRow(i)); next[String(i.id)] = true; });
    rows.replaceChildren(frag);
    known = next;
    document.getElementById("incidents-wrap").classList.toggle("hidden", incidents.length === 0);
    document.getElementById("no-incidents").classList.toggle("hidden", incidents.length !== 0);
    document.getElementById("active-count").textContent = String(incidents.length);
    return true;
  }

  function mentionItem(m) {
    var li = M.el("li", "mention fresh" + (m.incident ? " flagged" : ""));
    li.setAttribute("data-id", String(m.id));
    var meta = M.el("div", "meta");
    meta.appendChild(M.timeEl(m.published_at));
    meta.appendChild(M.el("span", "brand-name", m.brand));
    meta.appendChild(M.el("span", "source", m.source));
    if (m.author) meta.appendChild(M.el("span", "author", m.author));
    meta.appendChild(M.el("span", "urgency", "urgency " + Number(m.urgency).toFixed(2)));
    // a problem told in cheerful words is not "positive": its tone only (as the server renders it)
    var s = Number(m.sentiment);
    var cls = m.incident ? "neu" : s <= -0.05 ? "neg" : s >= 0.05 ? "pos" : "neu";
    var senti = M.el("span", "senti " + cls, (s >= 0 ? "+" : "") + s.toFixed(2) + " ");
    var word = m.incident ? "tone" : { neg: "negative", pos: "positive", neu: "neutral" }[cls];
    senti.appendChild(M.el("span", "senti-label", word));
    meta.appendChild(senti);
    if (m.category) meta.appendChild(M.el("span", "cat", String(m.category).replace(/_/g, " ")));
    if (m.needs_reply) meta.appendChild(M.el("span", "tag reply", "needs reply"));
    if (m.opportunity) meta.appendChild(M.el("span", "tag opp", "opportunity"));
    if (m.language && m.language !== "en" && m.language !== "und") meta.appendChild(M.el("span", "tag lang", String(m.language)));
    if (m.incident_id) {
      var a = M.el("a", null, "incident #" + m.incident_id);
      a.href = "/incidents/" + encodeURIComponent(m.incident_id);
      meta.appendChild(a);
    }
    li.appendChild(meta);
    if (m.title) li.appendChild(M.el("p", "title", m.title));
    li.appendChild(M.el("p", "text", m.text));
    var href = M.httpUrl(m.url);
    if (href) {
      var out = M.el("a", "out", "Open post ↗");
      out.href = href;
      out.rel = "noopener noreferrer";
      out.target = "_blank";
      li.appendChild(out);
    }
    return li;
  }

  function addMentions(mentions) {
    for (var k = mentions.length - 1; k >= 0; k--) {
      var m = mentions[k];
      if (list.querySelector('li[data-id="' + Number(m.id) + '"]')) continue;
      list.insertBefore(mentionItem(m), list.firstChild);
    }
    while (list.children.length > 50) list.removeChild(list.lastChild);
    document.getElementById("no-mentions").classList.toggle("hidden", list.children.length !== 0);
  }

  function setCount(n) {
    document.title = (n ? "(" + n + ") " : "") + "Now · Brand monitor";
    var badge = document.getElementById("nav-count");
    if (badge) {
      badge.textContent = String(n);
      badge.setAttribute("aria-label", n + " unacknowledged");
      badge.classList.toggle("zero", !n);
    }
  }

  rows.addEventListener("focusout", function () {
    setTimeout(function () { if (pending) drawIncidents(pending); }, 0);
  });

  var source = new EventSource("/events?since=" + encodeURIComponent(root.getAttribute("data-stamp")));
  source.addEventListener("open", function () { setStatus(true, "Live"); });
  source.addEventListener("error", function () { setStatus(false, "Reconnecting…"); });
  source.addEventListener("update", function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    drawIncidents(data.incidents || []);
    addMentions(data.mentions || []);
    setCount(data.unacknowledged || 0);
    root.setAttribute("data-stamp", data.stamp);
    setStatus(true, "Live · updated " + new Date().toLocaleTimeString());
  });
})();
