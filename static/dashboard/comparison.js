/* The scenario comparison: one JSON layer per level, painted on two maps side by side (base
 * and scenario, same minute bands, pan and zoom kept in step) or on one map of the
 * difference. Switching the mode repaints without a reload and keeps the page URL in step;
 * choosing another level reloads the page, whose figures are the server's.
 * window.srosComparison exposes the maps to tests; each map element carries its centre and
 * zoom in data-center / data-zoom. */
(function () {
  "use strict";
  var root = document.getElementById("scenario-comparison");
  if (!root) return;
  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  var labels = json("comparison-labels");
  var bounds = json("comparison-bounds");
  var form = document.getElementById("comparison-controls");
  var modeSelect = document.getElementById("comparison-mode");
  var levelSelect = document.getElementById("comparison-level");
  var status = document.getElementById("comparison-status");
  var legend = document.getElementById("comparison-legend");
  var pair = document.getElementById("comparison-pair");
  var single = document.getElementById("comparison-difference");
  var SIDE = "cote-a-cote", DIFFERENCE = "difference";

  var maps = {};        // "base", "scenario", "difference": L.Map, made when first shown
  var painted = {};     // the same keys: true once the layer is drawn on that map
  var data = null;
  var syncing = false;
  var hook = window.srosComparison = {maps: maps, mode: null, loaded: false};

  var escapeHtml = window.srosMaps.escapeHtml;

  function record(map) {
    var element = map.getContainer(), centre = map.getCenter();
    element.dataset.center = centre.lat.toFixed(6) + "," + centre.lng.toFixed(6);
    element.dataset.zoom = String(map.getZoom());
  }

  // Each move of one map is replayed on the others, without animation; the flag stops the
  // replay from echoing back. Leaflet replays a pan at the same zoom as a pan by whole pixels,
  // while a drag leaves the map a fraction of a pixel off (when the machine is too slow for
  // the drag's inertia, which would round it): once the move has ended, the others are reset
  // on its exact centre, so that both maps rest on the same view.
  function follow(source, ended) {
    if (syncing) return;
    syncing = true;
    try {
      Object.keys(maps).forEach(function (key) {
        var other = maps[key];
        if (other !== source && other.getContainer().offsetParent !== null) {
          other.setView(source.getCenter(), source.getZoom(), ended ? {reset: true} : {animate: false});
        }
      });
    } finally {
      syncing = false;
    }
  }

  function makeMap(key) {
    var map = L.map("comparison-map-" + key, {zoomSnap: 0.25, minZoom: 5, maxZoom: 18});
    var shown = visibleMap();
    if (shown) map.setView(shown.getCenter(), shown.getZoom(), {animate: false});
    else if (bounds) map.fitBounds(bounds);
    else map.setView([46.5, 2.5], 6);
    L.control.scale({imperial: false}).addTo(map);
    map.on("move zoom", function () { follow(map); });
    map.on("moveend zoomend", function () { follow(map, true); record(map); });
    maps[key] = map;
    record(map);
    return map;
  }

  function visibleMap() {
    var keys = Object.keys(maps);
    for (var i = 0; i < keys.length; i++) {
      if (maps[keys[i]].getContainer().offsetParent !== null) return maps[keys[i]];
    }
    return null;
  }

  function tooltip(p) {
    return "<strong>" + escapeHtml(p.n) + "</strong> (" + escapeHtml(p.c) + ")<br>" +
      escapeHtml(labels.base) + " : " + escapeHtml(p.tb) + "<br>" +
      escapeHtml(labels.scenario) + " : " + escapeHtml(p.ts) + "<br>" +
      escapeHtml(labels.delta) + " : " + escapeHtml(p.td) + "<br>" +
      escapeHtml(labels.population) + " : " + escapeHtml(p.p);
  }

  function siteMarker(site) {
    var closed = site.status === "closed";
    var icon = L.divIcon({
      className: "scenario-site scenario-site-" + (closed ? "closed" : "opened"),
      html: '<span data-finess="' + escapeHtml(site.finess) + '" data-status="' + escapeHtml(site.status) + '">' + (closed ? "×" : "+") + "</span>",
      iconSize: [20, 20]
    });
    var popup = '<div class="sros-popup"><strong>' + escapeHtml(site.label) + "</strong><br>" +
      (site.finess ? escapeHtml(labels.finess) + " " + escapeHtml(site.finess) : escapeHtml(labels.newSite)) + "<br>" +
      escapeHtml(site.kind) + (site.commune ? ", " + escapeHtml(site.commune) : "") + "<br><em>" +
      escapeHtml(closed ? labels.closed : labels.opened) + "</em></div>";
    return L.marker([site.lat, site.lon], {icon: icon, keyboard: true, title: site.label, zIndexOffset: 1000}).bindPopup(popup);
  }

  function paint(key) {
    if (!data || painted[key]) return;
    var map = maps[key];
    var fill = {base: "fb", scenario: "fs", difference: "fd"}[key];
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return {fillColor: feature.properties[fill], fillOpacity: 0.85, color: "#ffffff", weight: 0.4};
      },
      onEachFeature: function (feature, path) {
        path.bindTooltip(tooltip(feature.properties), {sticky: true});
        path.on("add", function () {
          var element = path.getElement && path.getElement();
          if (element) element.setAttribute("data-code", feature.properties.c);
        });
      }
    }).addTo(map);
    layer.bringToBack();
    data.sites.forEach(function (site) {
      if (site.lat != null && site.lon != null) siteMarker(site).addTo(map);
    });
    painted[key] = true;
  }

  function drawLegend(mode) {
    if (!data) return;
    var html = window.srosMaps.legendHtml(data.legends[mode].title, data.legends[mode].entries);
    var statuses = {};
    data.sites.forEach(function (site) { statuses[site.status] = true; });
    if (statuses.closed || statuses.opened) {
      html += '<h2>' + escapeHtml(labels.sites) + '</h2><ul>';
      if (statuses.closed) html += '<li><span class="site-key site-key-closed">×</span>' + escapeHtml(labels.closed) + "</li>";
      if (statuses.opened) html += '<li><span class="site-key site-key-opened">+</span>' + escapeHtml(labels.opened) + "</li>";
      html += "</ul>";
    }
    legend.innerHTML = html;
    window.srosSwatches.paint(legend);
    legend.dataset.mode = mode;
  }

  function show(mode) {
    var keys = mode === DIFFERENCE ? ["difference"] : ["base", "scenario"];
    var previous = visibleMap();
    var centre = previous ? previous.getCenter() : null, zoom = previous ? previous.getZoom() : null;
    pair.hidden = mode === DIFFERENCE;
    single.hidden = mode !== DIFFERENCE;
    keys.forEach(function (key) {
      var map = maps[key] || makeMap(key);
      map.invalidateSize({pan: false});
      if (centre) map.setView(centre, zoom, {animate: false});
      paint(key);
    });
    root.dataset.mode = hook.mode = mode;
    drawLegend(mode);
  }

  function query() {
    var params = new URLSearchParams();
    params.set("level", levelSelect.value);
    params.set("mode", modeSelect.value);
    return params.toString();
  }

  function load() {
    status.textContent = labels.loading;
    fetch(root.dataset.layerUrl, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (layer) {
      data = layer;
      hook.sites = layer.sites;
      painted = {};
      show(modeSelect.value);
      status.textContent = "";
      root.dataset.loaded = "1";
      hook.loaded = true;
    }).catch(function () {
      status.textContent = labels.error;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target === levelSelect) {
      form.submit();  // the figures beside the maps are those of the level
      return;
    }
    show(modeSelect.value);
    history.replaceState(null, "", "?" + query());
  });
  form.addEventListener("submit", function (event) {
    if (levelSelect.value === root.dataset.level) {
      event.preventDefault();
      show(modeSelect.value);
      history.replaceState(null, "", "?" + query());
    }
  });
  show(modeSelect.value);
  load();
})();
