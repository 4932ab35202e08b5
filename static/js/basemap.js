/* The host's background map (SROS_BASEMAP_URL, docs/basemap.md) under every
 * Leaflet map of the page: an init hook adds the tile layer to each map as it is created, so
 * no map script needs to know about it. Included by {% basemap_script %} right after Leaflet,
 * only when a template is set. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.url;
  if (!url || !window.L) return;
  var attribution = script.dataset.attribution || "";
  L.Map.addInitHook(function () {
    L.tileLayer(url, {
      attribution: attribution,
      maxZoom: 19,
      // The product's own layers stay readable above it.
      opacity: 0.8,
      className: "sros-basemap"
    }).addTo(this);
  });
})();
