/* 안내 캠페인 screens (no inline script: the CSP forbids it).
   - New campaign (#campaign-form, data-preview-url): on every change of the form, after a short pause, GET the
     preview JSON with the form's fields (never the CSRF token), fill the [data-field] elements of
     #campaign-preview with the count of notices and the total and #preview-alert with the alert text; the
     "안내문 미리보기" button loads the document of the selection's first taxpayer into the sandboxed frame; step 6
     (문구 실험) is shown only for the informational kinds.
   - Campaign page (#campaign-live, data-status-url): while the campaign is approved (it may be scheduled), sending
     or paused, poll the status JSON every 5 seconds, redraw the two progress bars and tables, and say so when the
     campaign's status changes (the buttons of the new status come with a reload). */
(function () {
  "use strict";
  if (!window.fetch) { return; }

  function num(v) { return Number(v || 0).toLocaleString("ko-KR"); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); });
  }

  var form = document.getElementById("campaign-form");
  var preview = document.getElementById("campaign-preview");
  // the form's fields as a query string, never the CSRF token
  var query = function () {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken" && value !== "") { params.append(key, value); }
    });
    return params.toString();
  };
  if (form && preview) {
    var note = document.getElementById("campaign-preview-note");
    var timer = null;
    var seq = 0;
    var alertBox = document.getElementById("preview-alert");
    var showAlert = function (s) {
      if (!alertBox) { return; }
      var dds = alertBox.querySelectorAll("[data-alert]");
      for (var i = 0; i < dds.length; i++) {
        var key = dds[i].getAttribute("data-alert");
        dds[i].textContent = s.alert ? s.alert[key] : (s.alert_error || "—");
      }
    };
    var docButton = document.getElementById("preview-document-button");
    var docFrame = document.getElementById("preview-document-frame");
    var docBox = document.getElementById("campaign-template-preview");
    if (docButton && docFrame && docBox) {
      docButton.addEventListener("click", function () {
        docFrame.hidden = false;
        docFrame.src = docBox.getAttribute("data-document-url") + "?" + query();
      });
    }
    var update = function () {
      var mine = ++seq;
      note.textContent = "계산 중…";
      getJSON(form.getAttribute("data-preview-url") + "?" + query()).then(function (s) {
        if (mine !== seq) { return; }
        if (!s.ok) {
          note.textContent = "조건을 확인하세요: " + Object.keys(s.errors).map(function (k) {
            return s.errors[k].join(" ");
          }).join(" / ");
          return;
        }
        var fields = preview.querySelectorAll("[data-field]");
        for (var i = 0; i < fields.length; i++) {
          var el = fields[i];
          var v = s[el.getAttribute("data-field")];
          el.textContent = el.getAttribute("data-format") === "won" ? num(v) + "원" : num(v);
        }
        showAlert(s);
        showSplit(s.split);
        note.textContent = s.note || "조건을 바꾸면 다시 계산합니다.";
      }).catch(function () { if (mine === seq) { note.textContent = "계산하지 못했습니다. 잠시 뒤 다시 바꿔 보세요."; } });
    };
    // the expected first channels and paper's reasons (delivery.services.expected_split)
    var rowsInto = function (id, rows, empty) {
      var table = document.getElementById(id);
      if (!table) { return; }
      var body = table.tBodies[0];
      while (body.firstChild) { body.removeChild(body.firstChild); }
      if (!rows.length) { rows = [{ label: empty, count: null }]; }
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = row.label;
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = row.count === null ? "" : num(row.count) + "건";
        tr.appendChild(th);
        tr.appendChild(td);
        body.appendChild(tr);
      });
    };
    var splitNote = document.getElementById("preview-split-note");
    var splitNoteDefault = splitNote ? splitNote.textContent : "";
    var showSplit = function (split) {
      if (!split) { return; }
      rowsInto("preview-split", split.first, "대상 없음");
      rowsInto("preview-paper", split.paper, "종이로 먼저 가는 안내문이 없습니다");
      if (splitNote) { splitNote.textContent = split.note ? split.note + " " + splitNoteDefault : splitNoteDefault; }
    };
    // step 6 (문구 실험): only an informational kind may have arms; for the others the step says why, and its check
    // box is cleared so that the form does not post an experiment the kind cannot have
    var step = document.getElementById("campaign-step-experiment");
    var kindSelect = form.querySelector("[name=kind]");
    var showExperiment = function () {
      if (!step || !kindSelect) { return; }
      var allowed = (step.getAttribute("data-informational-kinds") || "").split(" ").indexOf(kindSelect.value) >= 0;
      document.getElementById("experiment-fields").hidden = !allowed;
      document.getElementById("experiment-refusal").hidden = allowed;
      var box = form.querySelector("[name=experiment]");
      if (!allowed && box) { box.checked = false; }
      // each arm's template list offers the versions of the chosen kind only
      var options = step.querySelectorAll("option[data-kind]");
      for (var i = 0; i < options.length; i++) {
        var other = options[i].getAttribute("data-kind") !== kindSelect.value;
        options[i].hidden = other;
        options[i].disabled = other;
        if (other && options[i].selected) { options[i].parentNode.value = ""; }
      }
    };
    if (kindSelect) { kindSelect.addEventListener("change", showExperiment); }
    showExperiment();
    var later = function () { window.clearTimeout(timer); timer = window.setTimeout(update, 400); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    update();
  }

  var live = document.getElementById("campaign-live");
  if (live) {
    var ACTIVE = { approved: true, sending: true, paused: true };
    var initial = live.getAttribute("data-status");
    var bars = function (p) {
      var spans = live.querySelectorAll("[data-progress]");
      for (var i = 0; i < spans.length; i++) {
        var key = spans[i].getAttribute("data-progress");
        spans[i].textContent = key.indexOf("percent") === 0 ? String(p[key]) : num(p[key]);
      }
      var sent = document.getElementById("progress-sent");
      var settled = document.getElementById("progress-settled");
      if (sent) { sent.value = p.percent_sent; sent.textContent = p.percent_sent + "%"; }
      if (settled) { settled.value = p.percent_settled; settled.textContent = p.percent_settled + "%"; }
    };
    var fill = function (id, rows, cells, empty) {
      var body = document.querySelector("#" + id + " tbody");
      if (!body) { return; }
      while (body.firstChild) { body.removeChild(body.firstChild); }
      if (!rows.length) {
        var tr0 = document.createElement("tr");
        var td0 = document.createElement("td");
        td0.colSpan = cells.length;
        td0.textContent = empty;
        tr0.appendChild(td0);
        body.appendChild(tr0);
        return;
      }
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        cells.forEach(function (c, i) {
          var cell = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) { cell.scope = "row"; }
          if (c === "count") { cell.className = "num"; cell.textContent = num(row[c]); } else { cell.textContent = row[c]; }
          tr.appendChild(cell);
        });
        body.appendChild(tr);
      });
    };
    var poll = function () {
      getJSON(live.getAttribute("data-status-url")).then(function (s) {
        fill("progress-notices", s.notices, ["label", "count"], "안내문이 없습니다.");
        fill("progress-attempts", s.attempts, ["channel_label", "label", "count"], "아직 발송 시도가 없습니다.");
        document.getElementById("progress-status").textContent = s.status_display;
        if (s.progress) { bars(s.progress); }
        live.setAttribute("data-status", s.status);
        if (s.status !== initial) {
          var note = document.getElementById("progress-note");
          if (note) { note.textContent = s.status_changed; }
        }
        if (ACTIVE[s.status]) { window.setTimeout(poll, 5000); }
      }).catch(function () { window.setTimeout(poll, 15000); });
    };
    if (ACTIVE[initial]) { window.setTimeout(poll, 5000); }
  }
})();
