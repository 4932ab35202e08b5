/* Export links of the dashboard map: the map changes its selection without a page reload, so
   each link takes the selectors' current values (units, indicator, level) when it is used. */
(function () {
  "use strict";
  var box = document.getElementById("map-exports");
  var form = box && document.getElementById(box.dataset.form);
  if (!form) return;

  function refresh(event) {
    var link = event.target.closest("a[data-export-values]");
    if (!link) return;
    var url = new URL(link.href, window.location.href);
    var data = new FormData(form);
    ["units", "indicator", "level"].forEach(function (name) {
      url.searchParams.set(name, data.get(name) || "");
    });
    link.href = url.pathname + url.search;
  }

  box.addEventListener("click", refresh);
  box.addEventListener("focusin", refresh);
})();
