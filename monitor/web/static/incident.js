// The response checklist's ticks, kept per incident in this browser's localStorage.
"use strict";
(function () {
  var box = document.querySelector(".checklist[data-incident]");
  if (!box) return;
  var key = "monitor.checklist." + box.getAttribute("data-incident");
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { saved = {}; }
  box.querySelectorAll("input[type=checkbox][data-step]").forEach(function (input) {
    var step = input.getAttribute("data-step");
    input.checked = saved[step] === true;
    input.addEventListener("change", function () {
      saved[step] = input.checked;
      try { localStorage.setItem(key, JSON.stringify(saved)); } catch (e) { /* private mode: ticks are not kept */ }
    });
  });
})();
