/* The compliance map of a schema version: zones coloured by the compliance of their objective
 * and the facilities counted, from the page's JSON layer (sros/compliance_map.py). */
(function () {
  "use strict";
  var element = document.getElementById("compliance-map");
  if (!element || !window.L) return;
  var labels = JSON.parse(document.getElementById("compliance-labels").textContent);
  var status = document.getElementById("compliance-status");
  var map = L.map(element, {zoomSnap: 0.25, minZoom: 5, maxZoom: 16}).setView([46.5, 2.5], 6);
  L.control.scale({imperial: false}).addTo(map);

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "–" : String(value);
    return div.innerHTML;
  }

  fetch(element.dataset.layerUrl, {credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      var zones = L.geoJSON(data, {
        style: function (feature) {
          return {fillColor: feature.properties.f, fillOpacity: 0.7, color: "#ffffff", weight: 1};
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindTooltip("<strong>" + text(p.n) + "</strong> (" + text(p.c) + ")<br>" +
            text(p.l) + "<br>" + text(labels.count) + " " + text(p.k) + "<br>" +
            text(labels.bounds) + " " + text(p.min) + " – " + text(p.max), {sticky: true});
          layer.on("add", function () {
            var path = layer.getElement && layer.getElement();
            if (path) { path.setAttribute("data-zone", p.c); path.setAttribute("data-status", p.s); }
          });
        }
      }).addTo(map);
      var sites = L.geoJSON(data.facilities, {
        pointToLayer: function (feature, latlng) {
          var icon = L.divIcon({className: "counted-site", iconSize: [10, 10]});
          return L.marker(latlng, {icon: icon, keyboard: true, title: feature.properties.n})
            .bindPopup("<strong>" + text(feature.properties.n) + "</strong><br>FINESS " + text(feature.properties.f));
        }
      }).addTo(map);
      L.control.layers(null, {}, {collapsed: false}).addOverlay(sites, text(labels.counted) + " (" + data.facilities.features.length + ")").addTo(map);
      if (zones.getBounds().isValid()) map.fitBounds(zones.getBounds());
      element.dataset.loaded = data.activity;
      element.dataset.sites = String(data.facilities.features.length);
    })
    .catch(function () { status.textContent = labels.error; });
})();
