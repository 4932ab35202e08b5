/* The « Suggérer » page: a click on the small map appends « longitude ; latitude » to the
 * candidate points' text area and selects the « points » candidates; the text area stays the
 * form's input (typed or pasted points work the same, without the map). The number of new
 * sites is shown for the models that take it (MCLP, p-median), the share to cover for the
 * coverage goal; without the script both show, each label saying its models. */
(function () {
  "use strict";
  var model = document.getElementById("id_model");
  var fields = {p: ["mclp", "pmedian"], goal: ["goal"]};
  function showFields() {
    Object.keys(fields).forEach(function (name) {
      var input = document.getElementById("id_" + name);
      var row = input && input.closest("p");
      if (!row) return;
      var error = row.previousElementSibling;  // a field in error stays shown, whatever the model
      var failed = error && error.classList.contains("errorlist");
      row.hidden = !failed && fields[name].indexOf(model.value) < 0;
    });
  }
  if (model) {
    model.addEventListener("change", showFields);
    showFields();
  }
  var element = document.getElementById("suggest-map");
  var area = document.getElementById("id_points");
  if (!element || !area || !window.L) return;
  var map = L.map(element, {zoomSnap: 0.25, minZoom: 4, maxZoom: 16}).setView([46.5, 2.5], 5);
  L.control.scale({imperial: false}).addTo(map);
  var bounds = (element.dataset.bounds || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
  }
  var markers = L.layerGroup().addTo(map);

  function draw() {
    markers.clearLayers();
    area.value.split(/\r?\n/).forEach(function (line) {
      var parts = line.trim().split(/\s*;\s*|\s+/);
      if (parts.length !== 2) return;
      var lon = parseFloat(parts[0].replace(",", ".")), lat = parseFloat(parts[1].replace(",", "."));
      if (!isFinite(lon) || !isFinite(lat)) return;
      var icon = L.divIcon({className: "candidate-point", iconSize: [10, 10]});
      markers.addLayer(L.marker([lat, lon], {icon: icon, keyboard: false}));
    });
    element.dataset.points = String(markers.getLayers().length);
  }

  map.on("click", function (event) {
    var line = event.latlng.lng.toFixed(5) + " ; " + event.latlng.lat.toFixed(5);
    area.value = area.value.replace(/\s+$/, "") + (area.value.trim() ? "\n" : "") + line;
    var points = document.querySelector("input[name=candidates][value=points]");
    if (points) points.checked = true;
    draw();
  });
  area.addEventListener("input", draw);
  draw();
  element.dataset.loaded = "1";
})();
