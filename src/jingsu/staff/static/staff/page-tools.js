/* Small page tools of the staff console (a static file: the CSP forbids inline script).
 * - [data-print]: a button that prints the page (window.print); hidden until this script runs, so a browser without
 *   script shows no button that does nothing. The print stylesheet (print.css) leaves out menus, buttons and forms.
 * - [data-copy-from="<id>"]: a button that copies the value of the input with that id (the notice's portal address)
 *   to the clipboard, and says so in the element [data-copy-status] next to it (aria-live). */
(function () {
  "use strict";
  if (window.jingsuPageTools) { return; }  /* included more than once on a page: bind once */
  window.jingsuPageTools = true;
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-copy-from]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy-from"));
      var status = document.querySelector("[data-copy-status]");
      if (!input) { return; }
      button.hidden = false;
      function say(text) { if (status) { status.textContent = text; } }
      function fallback() {
        input.focus();
        input.select();
        try {
          say(document.execCommand("copy") ? "주소를 복사했습니다." : "복사하지 못했습니다. 주소를 선택해 복사하세요.");
        } catch (e) {
          say("복사하지 못했습니다. 주소를 선택해 복사하세요.");
        }
      }
      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(function () { say("주소를 복사했습니다."); }, fallback);
        } else {
          fallback();
        }
      });
    });
  });
})();
