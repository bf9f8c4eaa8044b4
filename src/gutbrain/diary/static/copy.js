// The "Copy the link" button of the personal-link page: shown only where scripts run, it copies
// the text of the element named by its data-copy attribute to the clipboard.
(function () {
  "use strict";
  var button = document.querySelector("button[data-copy]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById("copy-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.textContent.trim()).then(
      function () { status.textContent = "Copied."; },
      function () { status.textContent = "Could not copy; select the link and copy it by hand."; }
    );
  });
})();
