/* 체납 자료 가져오기 and 수납 파일 가져오기: an upload page's live status (staff:roll_status, staff:money_file_status).
   No inline script: the CSP forbids it. The box is the element with data-status-url and data-status; the result
   block inside it is marked data-result (its fields are read from the JSON's "summary").
   While the upload is being validated or imported, poll the JSON every second and update the fields marked
   data-field (data-format="num" | "won") and the blocks marked data-show-when="<status> …". When validation ends the
   page is loaded again once (the report table is drawn by the server); the import's result is filled in place. */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url][data-status]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var first = box.getAttribute("data-status");
  var ACTIVE = { uploaded: true, validating: true, importing: true };

  function show(value, format) {
    if (format === "num") { return Number(value || 0).toLocaleString("ko-KR"); }
    if (format === "won") { return Number(value || 0).toLocaleString("ko-KR") + "원"; }
    return String(value);
  }

  function render(s) {
    var summary = s.summary || {};
    var fields = box.querySelectorAll("[data-field]");
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      var key = el.getAttribute("data-field");
      var inResult = el.closest("[data-result]") !== null;
      var value = inResult && key in summary ? summary[key] : s[key];
      if (value === undefined || value === null) { continue; }
      el.textContent = show(value, el.getAttribute("data-format"));
    }
    var blocks = box.querySelectorAll("[data-show-when]");
    for (var j = 0; j < blocks.length; j++) {
      blocks[j].hidden = blocks[j].getAttribute("data-show-when").split(" ").indexOf(s.status) < 0;
    }
    var bar = box.querySelector("progress");
    if (bar && s.rows) { bar.max = s.rows; bar.value = s.rows_done; }
    box.setAttribute("data-status", s.status);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (s) {
        render(s);
        if (ACTIVE[s.status]) {
          window.setTimeout(poll, 1000);
        } else if (s.status !== first && (first === "uploaded" || first === "validating")) {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (ACTIVE[first]) { poll(); }
})();
