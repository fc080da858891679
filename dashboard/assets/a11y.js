// Gives the file input inside Dash's Upload component an accessible name (the component renders none).
(function () {
  function label() {
    document.querySelectorAll('[id$="upload"] input[type=file]:not([aria-label])').forEach(function (input) {
      // the page's language (<html lang>, set by the server) decides the name
      var english = (document.documentElement.lang || '').indexOf('en') === 0;
      input.setAttribute('aria-label', english ? 'Choose a file to submit' : 'Bestand kiezen om aan te leveren');
    });
  }
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', label);
})();
