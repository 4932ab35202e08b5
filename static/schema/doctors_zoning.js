/* The doctors' zoning map of a region: TVS coloured ZIP / ZAC / vivier / hors zonage / APL
 * unknown, from the layer embedded in the page (sros/doctors_zoning_views.py). The table below
 * the map carries the same facts without JS. */
(function () {
  "use strict";
  var element = document.getElementById("zoning-map");
  var source = document.getElementById("zoning-layer");
  if (!element || !source || !window.L) return;
  var data = JSON.parse(source.textContent);
  var map = L.map(element, {zoomSnap: 0.25, minZoom: 5, maxZoom: 14}).setView([46.5, 2.5], 6);
  L.control.scale({imperial: false}).addTo(map);

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "–" : String(value);
    return div.innerHTML;
  }

  var zones = L.geoJSON(data, {
    style: function (feature) {
      return {fillColor: feature.properties.f, fillOpacity: 0.75, color: "#ffffff", weight: 1};
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip("<strong>" + text(p.n) + "</strong> (" + text(p.c) + ")<br>" +
        text(p.l) + "<br>APL : " + text(p.a), {sticky: true});
      layer.on("add", function () {
        var path = layer.getElement && layer.getElement();
        if (path) { path.setAttribute("data-zone", p.c); path.setAttribute("data-status", p.s); }
      });
    }
  }).addTo(map);
  if (zones.getBounds().isValid()) map.fitBounds(zones.getBounds());
  element.dataset.loaded = String(data.features.length);
})();
