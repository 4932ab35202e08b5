/* The home map's communes: the region's commune layer comes by its own request
 * (dashboard/home.py, home_communes_layer) and goes under the département outlines and
 * markers that the page drew inline. */
(function () {
  "use strict";
  var element = document.getElementById("home-map");
  if (!element || !element.dataset.communesUrl || !window.L) return;
  var map = window[element.dataset.mapName];
  var labels = JSON.parse(document.getElementById("home-map-labels").textContent);
  var status = document.getElementById("home-map-status");
  if (!map) return;

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "–" : String(value);
    return div.innerHTML;
  }

  status.textContent = labels.loading;
  fetch(element.dataset.communesUrl, {credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      var communes = L.geoJSON(data, {
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
      status.textContent = labels.loaded.replace("%(count)s", data.features.length.toLocaleString());
    })
    .catch(function () { status.textContent = labels.error; });
})();
