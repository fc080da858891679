// The filter forms' <select>s: their options come as one attribute, data-options ([value, text, selected] each,
// written by dashboard.components.nav_select), and this makes them into <option>s, again whenever the page
// gives a select other options. One attribute is far less work for the browser than a Dash component per
// option: the national gemeente lists hold 342 options.
(function () {
  var filled = new WeakMap();  // select -> the data-options it was filled from
  function fill() {
    document.querySelectorAll('select[data-options]').forEach(function (select) {
      var json = select.getAttribute('data-options');
      if (filled.get(select) === json) { return; }
      filled.set(select, json);
      select.replaceChildren.apply(select, JSON.parse(json).map(function (item) {
        return new Option(item[1], item[0], item[2], item[2]);
      }));
    });
  }
  new MutationObserver(fill).observe(document.documentElement,
    {childList: true, subtree: true, attributes: true, attributeFilter: ['data-options']});
  document.addEventListener('DOMContentLoaded', fill);
})();
