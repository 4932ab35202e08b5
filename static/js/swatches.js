/* Colour swatches under a Content-Security-Policy without 'unsafe-inline': a style="" attribute
 * in the markup is refused, so swatches carry data-colour and get their background here, through
 * the CSSOM (element.style), which style-src does not govern. */
(function () {
  "use strict";
  function paintSwatches(root) {
    (root || document).querySelectorAll("[data-colour]").forEach(function (element) {
      element.style.background = element.dataset.colour;
    });
  }

  // A coloured <span> for map markers and cluster icons (Leaflet's divIcon takes an element).
  function colourSpan(colour, text) {
    var span = document.createElement("span");
    span.style.background = colour;
    if (text != null) span.textContent = String(text);
    return span;
  }

  window.srosSwatches = {paint: paintSwatches, span: colourSpan};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { paintSwatches(); });
  } else {
    paintSwatches();
  }
})();
