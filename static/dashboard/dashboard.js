/* The dashboard map: Leaflet layers loaded from the dashboard's JSON endpoints.
 * Changing the selector reloads the choropleth only (no page reload) and keeps the page URL
 * in step, so a reload or a shared link shows the same map.
 * Communes come at a precision fit for the zoom (dashboard/map_view.py): the coarse copy up
 * to data-low-zoom-max, the map copy above it, and above it only those of a padded box around
 * the view when that box does not hold the whole region. A move reloads them only when the
 * zoom changes band or the view leaves the box loaded; the legend's classes are the whole
 * region's whatever the box (the server draws them from every stored value). */
(function () {
  "use strict";
  var element = document.getElementById("dashboard-map");
  if (!element) return;
  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  var labels = json("map-labels");
  var bounds = json("map-bounds");
  var form = document.getElementById("map-controls");
  var status = document.getElementById("map-status");
  var legend = document.getElementById("map-legend");
  var unitsSelect = document.getElementById("map-units");
  var indicatorSelect = document.getElementById("map-indicator");
  var levelSelect = document.getElementById("map-level");

  var map = L.map(element, {zoomSnap: 0.25, minZoom: 5, maxZoom: 18});
  map.createPane("outlines").style.zIndex = 450;
  map.getPane("outlines").style.pointerEvents = "none";
  if (bounds) map.fitBounds(bounds); else map.setView([46.5, 2.5], 6);
  L.control.scale({imperial: false}).addTo(map);
  var layers = L.control.layers(null, null, {collapsed: true}).addTo(map);
  var choropleth = null;
  var boundaries = null;
  var pending = null;
  var lowZoomMax = Number(element.dataset.lowZoomMax);
  // The region's extent, when the map was fitted to it (a territory's page fits its unit).
  var region = bounds && element.dataset.boundsAreRegion === "1" ? L.latLngBounds(bounds) : null;
  var requested = null;  // {band, box}: what the latest commune layer asked for covers

  function unitKind() {
    var units = unitsSelect.value;
    return units === "communes" ? "commune" : units === "departements" ? "department" : "zone";
  }

  // Only the indicators stored for the chosen units are offered; a level-free one disables the level.
  function syncControls() {
    var kind = unitKind();
    var selected = indicatorSelect.selectedOptions[0];
    Array.prototype.forEach.call(indicatorSelect.options, function (option) {
      option.disabled = option.dataset.units.split(" ").indexOf(kind) < 0;
    });
    if (!selected || selected.disabled) {
      var first = Array.prototype.find.call(indicatorSelect.options, function (o) { return !o.disabled; });
      if (first) indicatorSelect.value = first.value;
    }
    levelSelect.disabled = indicatorSelect.selectedOptions[0].hasAttribute("data-level-free");
  }

  function query() {
    var params = new URLSearchParams();
    params.set("units", unitsSelect.value);
    params.set("indicator", indicatorSelect.value);
    if (!levelSelect.disabled) params.set("level", levelSelect.value);
    return params.toString();
  }

  var escapeHtml = window.srosMaps.escapeHtml;

  function drawLegend(data) {
    legend.innerHTML = window.srosMaps.legendHtml(data.legend.title, data.legend.entries, data.legend.note);
    window.srosSwatches.paint(legend);
    legend.dataset.indicator = data.legend.indicator;
  }

  // The zoom as sent (an integer, the map's may be fractional) decides the band, as on the server.
  function zoom() { return Math.floor(map.getZoom()); }
  function band() { return zoom() <= lowZoomMax ? "low" : "fine"; }

  // Outward to 0.01°, so that nearby views ask for the same box (and the same cached layer).
  function roundedBox(box) {
    function down(x) { return Math.floor(x * 100) / 100; }
    function up(x) { return Math.ceil(x * 100) / 100; }
    return L.latLngBounds([down(box.getSouth()), down(box.getWest())], [up(box.getNorth()), up(box.getEast())]);
  }

  // What the commune layer should cover now: the zoom's band, and at the fine band a box half
  // a view wider on each side, unless that box holds the whole region.
  function wantedView() {
    var wanted = {band: band(), box: null};
    if (wanted.band === "fine") {
      var padded = map.getBounds().pad(0.5);
      if (!region || !padded.contains(region)) wanted.box = roundedBox(padded);
    }
    return wanted;
  }

  function viewParams(params, view) {
    params.set("zoom", String(zoom()));
    if (view.box) {
      params.set("bbox", [view.box.getWest(), view.box.getSouth(), view.box.getEast(), view.box.getNorth()]
        .map(function (x) { return x.toFixed(2); }).join(","));
    }
  }

  // Whether a move calls for another commune layer: another band, or a view out of the box
  // (a layer without a box holds the whole region).
  function viewChanged() {
    if (unitsSelect.value !== "communes" || !requested) return false;
    if (band() !== requested.band) return true;
    return Boolean(requested.box) && !requested.box.contains(map.getBounds());
  }

  function loadChoropleth() {
    var search = query();
    var params = new URLSearchParams(search);
    var view = unitsSelect.value === "communes" ? wantedView() : null;
    if (view) viewParams(params, view);
    requested = view;
    var request = pending = fetch(element.dataset.choroplethUrl + "?" + params.toString(), {credentials: "same-origin"});
    status.textContent = labels.loading;
    request.then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      if (request !== pending) return;  // a later selection has been made meanwhile
      if (choropleth) { layers.removeLayer(choropleth); map.removeLayer(choropleth); }
      choropleth = L.geoJSON(data, {
        style: function (feature) {
          return {fillColor: feature.properties.f, fillOpacity: 0.85, color: "#ffffff", weight: 0.4};
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindTooltip("<strong>" + escapeHtml(p.n) + "</strong> (" + escapeHtml(p.c) + ")<br>" +
            escapeHtml(data.legend.title) + " : " + escapeHtml(p.t) + "<br>" +
            labels.population + " : " + escapeHtml(p.p), {sticky: true});
          if (layer.getElement) layer.on("add", function () {
            var path = layer.getElement();
            if (path) path.setAttribute("data-code", p.c);
          });
        }
      }).addTo(map);
      choropleth.bringToBack();
      layers.addOverlay(choropleth, escapeHtml(data.legend.title));
      drawLegend(data);
      status.textContent = "";
      element.dataset.band = view ? view.band : "";
      element.dataset.bbox = view && view.box ? params.get("bbox") : "";
      element.dataset.features = String(data.features.length);
      element.dataset.loaded = search;
      history.replaceState(null, "", "?" + search);
    }).catch(function () {
      status.textContent = labels.error;
    });
  }

  function loadBoundaries() {
    var units = unitsSelect.value;
    var zoning = units !== "communes" && units !== "departements" ? "?units=" + encodeURIComponent(units) : "";
    fetch(element.dataset.boundariesUrl + zoning, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (boundaries) { layers.removeLayer(boundaries); map.removeLayer(boundaries); }
        boundaries = L.geoJSON(data, {
          pane: "outlines",
          interactive: false,
          style: function (feature) {
            return feature.properties.k === "d"
              ? {fill: false, color: "#3a3a3a", weight: 1.6}
              : {fill: false, color: "#000091", weight: 1.2, dashArray: "4 3"};
          }
        }).addTo(map);
        layers.addOverlay(boundaries, labels.departments + " / " + labels.zones);
      });
  }

  function marker(feature, latlng) {
    var p = feature.properties;
    var span = window.srosSwatches.span(p.col);
    span.dataset.finess = p.f;
    var icon = L.divIcon({className: "sros-marker", html: span, iconSize: [14, 14]});
    return L.marker(latlng, {icon: icon, keyboard: true, title: p.n}).bindPopup(p.h);
  }

  function cluster(colour) {
    return L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      iconCreateFunction: function (c) {
        return L.divIcon({
          className: "sros-cluster",
          html: window.srosSwatches.span(colour, c.getChildCount()),
          iconSize: L.point(28, 28)
        });
      }
    });
  }

  // One clustered layer per facility kind and one per pathway level, listed in the layer control.
  function loadFacilities() {
    var kinds = json("map-kinds");
    var levels = json("map-level-layers");
    var kindsOn = element.dataset.kindsOn === "1";
    fetch(element.dataset.facilitiesUrl, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        kinds.forEach(function (kind) {
          var features = data.features.filter(function (f) { return f.properties.k === kind.value; });
          if (!features.length) return;
          var group = cluster(kind.colour).addLayers(L.geoJSON({type: "FeatureCollection", features: features}, {pointToLayer: marker}).getLayers());
          if (kindsOn) group.addTo(map);
          layers.addOverlay(group, labels.kind + " : " + escapeHtml(kind.label) + " (" + features.length + ")");
        });
        levels.forEach(function (level) {
          var features = data.features.filter(function (f) { return f.properties.l.indexOf(level.value) >= 0; });
          var group = cluster("#000091").addLayers(L.geoJSON({type: "FeatureCollection", features: features}, {pointToLayer: marker}).getLayers());
          if (level.on) group.addTo(map);
          layers.addOverlay(group, labels.level + " : " + escapeHtml(level.label) + " (" + features.length + ")");
        });
        element.dataset.facilities = String(data.features.length);
      });
  }

  form.addEventListener("change", function (event) {
    syncControls();
    if (event.target === unitsSelect) loadBoundaries();
    loadChoropleth();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    loadChoropleth();
  });
  map.on("moveend", function () { if (viewChanged()) loadChoropleth(); });
  syncControls();
  loadChoropleth();
  loadBoundaries();
  loadFacilities();
})();
