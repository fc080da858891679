// Marks the page the user is on in the main navigation (aria-current="page"), also after a navigation that
// does not reload the page; the navigation's links are Dash links, which take no aria attributes themselves.
(function () {
  function mark() {
    var here = window.location.pathname.replace(/\/$/, '') || '/';
    document.querySelectorAll('#hoofdnavigatie a').forEach(function (link) {
      var target = (link.getAttribute('href') || '').split('?')[0].replace(/\/$/, '') || '/';
      var current = target === '/' ? here === '/' : here === target || here.indexOf(target + '/') === 0;
      if (current) { link.setAttribute('aria-current', 'page'); } else { link.removeAttribute('aria-current'); }
    });
  }
  new MutationObserver(mark).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('popstate', mark);
  document.addEventListener('DOMContentLoaded', mark);
})();
// The language switch reloads the page in the other language: its link keeps the page's own query string.
(function () {
  function keepQuery() {
    document.querySelectorAll('a.lang-link').forEach(function (link) {
      var lang = link.getAttribute('hreflang');
      var params = new URLSearchParams(window.location.search);
      params.set('lang', lang);
      var href = window.location.pathname + '?' + params.toString();
      if (link.getAttribute('href') !== href) { link.setAttribute('href', href); }
    });
  }
  new MutationObserver(keepQuery).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('popstate', keepQuery);
  document.addEventListener('DOMContentLoaded', keepQuery);
})();
