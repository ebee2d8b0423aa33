/* Support Space staff area: the editor's preview follows the text as staff type. Without this
   file the Preview button does the same, a press at a time. */
(function () {
  "use strict";

  var WAIT_AFTER_TYPING_MS = 600;
  var STEP_HEADING = /^## .*\{#([^}]+)\}\s*$/;

  /* The step the caret is in: the last step heading above it ("" is the introduction). */
  function stepAt(text, position) {
    var lines = text.slice(0, position).split("\n");
    for (var i = lines.length - 1; i >= 0; i -= 1) {
      var heading = STEP_HEADING.exec(lines[i]);
      if (heading) { return heading[1]; }
    }
    return "";
  }

  function setChoices(chooser, choices, shown) {
    chooser.textContent = "";
    choices.forEach(function (choice) {
      var option = document.createElement("option");
      option.value = choice[0];
      option.textContent = choice[1];
      option.selected = choice[0] === shown;
      chooser.appendChild(option);
    });
  }

  function setUpLivePreview() {
    var form = document.querySelector("[data-editor]");
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!form || !token || !window.fetch || !window.FormData) { return; }
    var box = form.querySelector("textarea[name=source]");
    var chooser = form.querySelector("select[name=preview_step]");
    var region = document.querySelector("[data-preview]");
    var status = document.querySelector("[data-preview-status]");
    if (!box || !chooser || !region || !status) { return; }
    var url = form.getAttribute("data-preview-url");
    var asked = 0;
    var timer = null;

    function refresh(step) {
      asked += 1;
      var thisOne = asked;
      var body = new FormData();
      body.append("csrf_token", token.getAttribute("content"));
      body.append("source", box.value);
      body.append("preview_step", step);
      fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "error" })
        .then(function (response) {
          if (!response.ok) { throw new Error("preview refused"); }
          return response.json();
        })
        .then(function (answer) {
          if (thisOne !== asked) { return; } // a newer preview is on its way
          // The server's own rendering, sanitised exactly as publishing does.
          region.innerHTML = answer.html;
          setChoices(chooser, answer.choices, answer.shown);
          status.textContent = answer.problems
            ? "Preview updated: " + answer.problems + (answer.problems === 1 ? " problem" : " problems") + " to fix."
            : "Preview updated.";
        })
        .catch(function () {
          if (thisOne === asked) {
            status.textContent = "The preview could not be updated. Use the Preview button.";
          }
        });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        refresh(stepAt(box.value, box.selectionStart));
      }, WAIT_AFTER_TYPING_MS);
    });
    chooser.addEventListener("change", function () {
      // The step they picked wins over a preview still waiting for typing to pause, which
      // would otherwise follow the caret to another step a moment later.
      window.clearTimeout(timer);
      refresh(chooser.value);
    });

  }

  setUpLivePreview();
}());
