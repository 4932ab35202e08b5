/* The home map's communes: the region's commune layer comes by its own request
 * (dashboard/home.py, home_communes_layer) and goes under the département outlines and
 * markers that the page drew inline. It comes at the map's zoom (dashboard/map_view.py): the
 * coarse copy up to data-low-zoom-max, the map copy above it; a zoom into the other band asks
 * for the layer again, a zoom within one does not. */
(function () {
  "use strict";
  var element = document.getElementById("home-map");
  if (!element || !element.dataset.communesUrl || !window.L) return;
  var map = window[element.dataset.mapName];
  var labels = JSON.parse(document.getElementById("home-map-labels").textContent);
  var status = document.getElementById("home-map-status");
  if (!map) return;
  var lowZoomMax = Number(element.dataset.lowZoomMax);
  var communes = null;
  var pending = null;
  var requestedBand = null;

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "–" : String(value);
    return div.innerHTML;
  }

  // The zoom as sent (an integer, the map's may be fractional) decides the band, as on the server.
  function zoom() { return Math.floor(map.getZoom()); }
  function band() { return zoom() <= lowZoomMax ? "low" : "fine"; }

  function load() {
    requestedBand = band();
    var url = element.dataset.communesUrl + "?zoom=" + zoom();
    var request = pending = fetch(url, {credentials: "same-origin"});
    status.textContent = labels.loading;
    request
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (request !== pending) return;  // the map has changed band meanwhile
        if (communes) map.removeLayer(communes);
        communes = L.geoJSON(data, {
          style: function (feature) {
            return {fillColor: feature.properties.f, fillOpacity: 0.85, color: "#ffffff", weight: 0.4};
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip("<strong>" + text(labels.commune) + "</strong> " + text(p.n) + "<br>" +
              text(labels.code) + " " + text(p.c) + "<br>" + text(labels.population) + " " + text(p.p),
              {sticky: true});
          }
        }).addTo(map);
        communes.bringToBack();
        element.dataset.communes = String(data.features.length);
        element.dataset.band = requestedBand;
        status.textContent = labels.loaded.replace("%(count)s", data.features.length.toLocaleString());
      })
      .catch(function () { status.textContent = labels.error; });
  }

  map.on("zoomend", function () { if (band() !== requestedBand) load(); });
  load();
})();
