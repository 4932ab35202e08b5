/* The scenario builder's map (templates/schema/scenario_form.html): the region's open sites as
 * markers; a click on one (or Enter on it, markers are keyboard-focusable) puts its FINESS
 * number in the current change row, « fermer » when that row has no change yet; a click
 * elsewhere places the current row's new site there (longitude and latitude written with the
 * page's decimal separator, which the server reads either way), « ouvrir » when the row has no
 * change yet. The current row is the last one clicked or typed in. « Ajouter une ligne » adds a
 * row from the formset's empty form. Without this script the form works the same, typed. */
(function () {
  "use strict";
  var element = document.getElementById("scenario-map");
  var table = document.getElementById("changes");
  var data = document.getElementById("scenario-sites");
  if (!element || !table || !data || !window.L) return;
  var sites = JSON.parse(data.textContent);
  var status = document.getElementById("scenario-map-status");
  var comma = (document.documentElement.lang || "fr").slice(0, 2) === "fr";
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  var current = null;

  var map = L.map(element, {zoomSnap: 0.25, minZoom: 4, maxZoom: 17}).setView([46.5, 2.5], 5);
  L.control.scale({imperial: false}).addTo(map);
  var bounds = (element.dataset.bounds || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
  }

  function rows() {
    return Array.prototype.slice.call(table.tBodies[0].rows).filter(function (row) {
      return row.querySelector("select[name$='-kind']");
    });
  }
  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }
  function setCurrent(row) {
    if (current) current.classList.remove("current-row");
    current = row;
    if (row) row.classList.add("current-row");
  }
  function currentRow() {
    if (current && current.isConnected) return current;
    var free = rows().filter(function (row) { return !field(row, "kind").value; });
    setCurrent(free[0] || addRow());
    return current;
  }
  function rowNumber(row) {
    return rows().indexOf(row) + 1;
  }
  function say(text) {
    if (status) status.textContent = text;
  }
  function decimal(value) {
    var text = value.toFixed(5);
    return comma ? text.replace(".", ",") : text;
  }

  table.addEventListener("focusin", function (event) {
    var row = event.target.closest("tr");
    if (row && field(row, "kind")) setCurrent(row);
  });

  var markers = L.layerGroup().addTo(map);
  var picked = {};
  sites.forEach(function (site) {
    if (site.x === null || site.y === null) return;
    var icon = L.divIcon({className: "site-marker", iconSize: [12, 12]});
    var label = site.n + " – " + site.c + " (" + site.f + ")";
    var marker = L.marker([site.y, site.x], {icon: icon, title: label, alt: label, keyboard: true});
    // A marker's click does not reach the map's click (Leaflet stops it); Enter on a focused
    // marker is a keypress Leaflet passes on as such (it opens a popup, when there is one).
    marker.on("click", function () {
      pick(site, marker);
    });
    marker.on("keypress", function (event) {
      var key = event.originalEvent && event.originalEvent.key;
      if (key === "Enter" || key === " ") pick(site, marker);
    });
    marker.on("add", function () {
      var node = marker.getElement();
      if (node) {
        node.setAttribute("data-finess", site.f);
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", label);
      }
    });
    markers.addLayer(marker);
  });

  function pick(site, marker) {
    var row = currentRow();
    var kind = field(row, "kind");
    if (!kind.value || kind.value === "open") kind.value = "close";
    field(row, "finess").value = site.f;
    var node = marker.getElement();
    if (node) node.classList.add("picked");
    picked[site.f] = true;
    say(element.dataset.pickedText
      .replace("%(row)s", rowNumber(row))
      .replace("%(site)s", site.n + " (" + site.f + ")"));
    setCurrent(null);  // the next pick goes to the next free row
    changed(row);
  }

  // Values set by a script fire no event: say it, so the evaluation (scenario_preview.js)
  // follows picks and placements as it follows typing.
  function changed(row) {
    row.dispatchEvent(new Event("change", {bubbles: true}));
  }

  var newSites = L.layerGroup().addTo(map);
  map.on("click", function (event) {
    var row = currentRow();
    var kind = field(row, "kind");
    if (!kind.value) kind.value = "open";
    field(row, "lon").value = decimal(event.latlng.lng);
    field(row, "lat").value = decimal(event.latlng.lat);
    var icon = L.divIcon({className: "new-site-marker", iconSize: [12, 12]});
    newSites.addLayer(L.marker(event.latlng, {icon: icon, keyboard: false}));
    say(element.dataset.placedText
      .replace("%(row)s", rowNumber(row))
      .replace("%(lon)s", field(row, "lon").value)
      .replace("%(lat)s", field(row, "lat").value));
    changed(row);
  });

  var template = document.getElementById("change-template");
  var add = document.getElementById("add-change");
  function addRow() {
    var index = Number(total.value);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    table.tBodies[0].insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    return table.tBodies[0].rows[table.tBodies[0].rows.length - 1];
  }
  if (template && add && total) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var row = addRow();
      setCurrent(row);
      field(row, "kind").focus();
      say(element.dataset.addedText.replace("%(row)s", rowNumber(row)));
    });
  }
  element.dataset.loaded = "1";
})();
