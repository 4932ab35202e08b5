/* The « Territoires naturels » maps: the proposed zones (the layer embedded in the page,
 * dashboard/natural_territories.py) and the catchments of a level (fetched from its layer
 * URL). The tables of the page carry the same facts without JS. */
(function () {
  "use strict";
  if (!window.L) return;

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "–" : String(value);
    return div.innerHTML;
  }

  function draw(element, data, tooltip, key) {
    var map = L.map(element, {zoomSnap: 0.25, minZoom: 5, maxZoom: 14}).setView([46.5, 2.5], 6);
    L.control.scale({imperial: false}).addTo(map);
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return {fillColor: feature.properties.s, fillOpacity: 0.7, color: "#555555", weight: 1};
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(tooltip(feature.properties), {sticky: true});
        shape.on("add", function () {
          var path = shape.getElement && shape.getElement();
          if (path) path.setAttribute(key, feature.id);
        });
      }
    }).addTo(map);
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
    element.dataset.loaded = String(data.features.length);
  }

  var zones = document.getElementById("proposal-map");
  var source = document.getElementById("proposal-layer");
  if (zones && source) {
    draw(zones, JSON.parse(source.textContent), function (p) {
      return "<strong>" + text(p.n) + "</strong> (" + text(p.c) + ")";
    }, "data-zone");
  }

  var catchments = document.getElementById("catchments-map");
  var status = document.getElementById("catchments-status");
  if (catchments && catchments.dataset.url) {
    if (status) status.textContent = catchments.dataset.loadingText || "…";
    fetch(catchments.dataset.url, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        draw(catchments, data, function (p) {
          return "<strong>" + text(p.n) + "</strong> (" + text(p.f) + ", " + text(p.c) + ")<br>" +
            text(p.k) + " communes, " + text(p.p) + " hab.";
        }, "data-finess");
        if (status) status.textContent = data.features.length ? "" : (catchments.dataset.emptyText || "");
      })
      .catch(function () { if (status) status.textContent = "Erreur de chargement de la couche."; });
  }
})();
