/* Exports of the dashboard pages.
 * - The map changes its selection without a page reload, so a link marked data-export-values
 *   takes the selectors' current values (units, indicator, level) when it is used.
 * - A link marked data-export-job is built by a worker: its URL is posted to the job endpoint,
 *   the job's progress is polled into a progress bar, and the file is downloaded when ready;
 *   a job's own page is followed the same way. A failed job (its worker died, say) offers to
 *   start it again: the new job is followed in the same line.
 *   A middle or modified click keeps the plain, synchronous download. */
(function () {
  "use strict";
  var jobForm = document.getElementById("export-job-form");
  var panel = document.getElementById("export-jobs");

  // data-export-values links take the units, indicator and level shown; data-export-facilities
  // links the level shown (none when the indicator has no level: every open facility).
  function refreshValues(link) {
    var box = link.closest("[data-form]");
    var form = box && document.getElementById(box.dataset.form);
    var values = link.hasAttribute("data-export-values");
    if (!form || !(values || link.hasAttribute("data-export-facilities"))) return;
    var url = new URL(link.href, window.location.href);
    var data = new FormData(form);
    if (values) {
      ["units", "indicator", "level"].forEach(function (name) {
        url.searchParams.set(name, data.get(name) || "");
      });
    } else if (data.get("level")) {
      url.searchParams.set("level", data.get("level"));
    } else {
      url.searchParams.delete("level");
    }
    link.href = url.pathname + url.search;
  }

  // Every link as soon as a selector changes (a copied link never keeps a former selection),
  // and once now: a browser going back restores the selectors, not the links.
  function refreshAll() {
    document.querySelectorAll("a[data-export-values], a[data-export-facilities]").forEach(refreshValues);
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("form")) refreshAll();
  });
  refreshAll();

  function row(label) {
    var item = document.createElement("p");
    item.className = "export-job";
    var name = document.createElement("span");
    name.className = "export-job-name";
    name.textContent = panel.dataset.preparing + " : " + label;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var percent = document.createElement("span");
    percent.className = "export-job-percent";
    percent.textContent = "0 %";
    item.append(name, " ", bar, " ", percent);
    panel.appendChild(item);
    return item;
  }

  function show(item, state) {
    var bar = item.querySelector("progress");
    bar.value = state.progress;
    item.querySelector(".export-job-percent").textContent = state.progress + " %";
    item.dataset.status = state.status;
    if (state.status === "failed") {
      item.querySelector(".export-job-name").textContent = panel.dataset.failed + " : " + (state.error || "");
      item.classList.add("export-job-failed");
      if (state.restart_url && !item.parentNode.querySelector(".export-job-restart")) offerRestart(item, state);
    } else if (state.status === "done") {
      item.querySelector(".export-job-name").textContent = panel.dataset.done + " : " + state.filename;
      var link = document.createElement("a");
      link.href = state.download_url;
      link.setAttribute("download", state.filename);
      link.textContent = panel.dataset.download;
      item.append(" ", link);
    }
  }

  // A button that starts the failed job again and follows the new one in the same line.
  function offerRestart(item, state) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "export-job-restart";
    button.textContent = panel.dataset.restart;
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(state.restart_url, {method: "POST", body: new FormData(jobForm), credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          return response.json().then(function (next) {
            if (!response.ok) { show(item, {status: "failed", progress: 0, error: next.error}); return; }
            button.remove();
            item.classList.remove("export-job-failed");
            item.querySelector(".export-job-name").textContent = panel.dataset.preparing + " : " + next.target_label;
            poll(item, next);
          });
        })
        .catch(function (error) { show(item, {status: "failed", progress: 0, error: String(error)}); });
    });
    item.append(" ", button);
  }

  function ended(state) { return state.status === "done" || state.status === "failed"; }

  function poll(item, state) {
    show(item, state);
    if (state.status === "done") {
      item.querySelector("a[download]").click();  // as the plain link would have downloaded
      return;
    }
    if (ended(state)) return;
    window.setTimeout(function () {
      fetch(state.progress_url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (next) { poll(item, next); })
        .catch(function (error) { show(item, {status: "failed", progress: state.progress, error: String(error)}); });
    }, 500);
  }

  function start(link) {
    var item = row(link.dataset.exportLabel || link.textContent.trim());
    var body = new FormData(jobForm);
    body.set("url", link.getAttribute("href"));
    fetch(jobForm.action, {method: "POST", body: body, credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        return response.json().then(function (state) {
          if (!response.ok) state = {status: "failed", progress: 0, error: state.error};
          poll(item, state);
        });
      })
      .catch(function (error) { show(item, {status: "failed", progress: 0, error: String(error)}); });
  }

  // A job's own page (dashboard/export_job.html) shows one line drawn by the server: follow
  // it while the job is not over.
  document.querySelectorAll(".export-job[data-state-script]").forEach(function (item) {
    var state = JSON.parse(document.getElementById(item.dataset.stateScript).textContent);
    if (!ended(state)) poll(item, state);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-export-values], a[data-export-facilities], a[data-export-job]");
    if (!link) return;
    refreshValues(link);
    if (!link.hasAttribute("data-export-job") || !jobForm) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    start(link);
  });
  document.addEventListener("focusin", function (event) {
    var link = event.target.closest && event.target.closest("a[data-export-values], a[data-export-facilities]");
    if (link) refreshValues(link);
  });
})();
