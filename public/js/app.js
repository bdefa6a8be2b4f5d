// Entraide — progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    // move focus to the error summary of a rejected form, so screen readers announce it
    var summary = document.querySelector('[data-autofocus]');
    if (summary) summary.focus();
  });
  // htmx requests carry the CSRF token of the page
  document.addEventListener('htmx:configRequest', function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content');
  });
})();
