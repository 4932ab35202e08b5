/* Helpers shared by the dashboard's map scripts (dashboard.js, comparison.js): text escaped
 * for HTML, and a legend (title and colour swatches) as the layers' foreign members give it. */
(function () {
  "use strict";
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function legendHtml(title, entries, note) {
    var html = "<h2>" + escapeHtml(title) + "</h2>";
    // The level's state (approximated, or missing an input): what it is and which file to load.
    if (note) html += '<p class="legend-note">' + escapeHtml(note) + "</p>";
    html += "<ul>";
    entries.forEach(function (entry) {
      // data-colour, not style="": see static/js/swatches.js (call srosSwatches.paint after).
      html += '<li><span class="swatch" data-colour="' + escapeHtml(entry.colour) + '"></span>' + escapeHtml(entry.label) + "</li>";
    });
    return html + "</ul>";
  }

  window.srosMaps = {escapeHtml: escapeHtml, legendHtml: legendHtml};
})();
