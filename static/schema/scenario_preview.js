/* The scenario builder's evaluation as its rows change, without saving nor reloading: the
 * form is posted to its preview URL (sros.scenario_views.scenario_preview) a moment after the
 * last change, the answer (an HTML fragment rendered by our server, values escaped there) put
 * under the form, and a live region says when it is updated. An answer that arrives after a
 * newer request was sent is dropped. */
(function () {
  "use strict";
  var form = document.getElementById("scenario-form");
  var section = document.getElementById("scenario-preview-section");
  var target = document.getElementById("scenario-preview");
  var status = document.getElementById("scenario-preview-status");
  if (!form || !section || !target || !window.fetch || !window.FormData) return;
  var DELAY_MS = 600;
  var timer = null;
  var sent = 0;

  function evaluate() {
    var number = ++sent;
    section.hidden = false;
    section.setAttribute("aria-busy", "true");
    status.textContent = status.dataset.busyText;
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    })
      .then(function (response) {
        if (response.status !== 200 && response.status !== 422) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (number !== sent) return;
        target.innerHTML = html;
        status.textContent = status.dataset.doneText;
      })
      .catch(function () {
        if (number === sent) status.textContent = status.dataset.failedText;
      })
      .then(function () {
        if (number === sent) section.removeAttribute("aria-busy");
      });
  }

  function later(event) {
    // The scenario's name and description do not change its figures.
    if (event.target && /^(id_name|id_description)$/.test(event.target.id)) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(evaluate, DELAY_MS);
  }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
  // An edited scenario shows its evaluation at once.
  if (form.querySelector("#changes input[name$='-finess'][value]:not([value=''])")) evaluate();
})();
