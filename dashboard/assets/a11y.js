// Gives the file input inside Dash's Upload component an accessible name (the component renders none).
(function () {
  function label() {
    document.querySelectorAll('[id$="upload"] input[type=file]:not([aria-label])').forEach(function (input) {
      input.setAttribute('aria-label', 'Bestand kiezen om aan te leveren');
    });
  }
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', label);
})();
