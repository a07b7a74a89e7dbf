/* Citizen portal (no inline script: the CSP forbids it).
   Copy buttons: every button[data-copy] copies the digits of the element whose id it names (a 전자납부번호 or a
   가상계좌, shown in groups by CSS margins) to the clipboard, says so in the button and in the page's live region
   (#portal-live) for screen readers. The buttons are hidden until this script runs: without it, nothing copies. */
(function () {
  "use strict";
  var live = document.getElementById("portal-live");

  function say(text) {
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "portal-copy-buffer";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var done = button.getAttribute("data-copied-message") || "복사했습니다.";
    var idle = button.innerHTML;
    button.hidden = false;
    button.addEventListener("click", function () {
      var digits = (target.textContent || "").replace(/\D/g, "");
      copy(digits).then(function () {
        button.textContent = "복사됨";
        button.setAttribute("data-copied", digits);
        say(done);
      }, function () {
        say("복사하지 못했습니다. 번호를 길게 눌러 복사해 주십시오.");
      });
      window.setTimeout(function () { button.innerHTML = idle; }, 2500);
    });
  });
}());
