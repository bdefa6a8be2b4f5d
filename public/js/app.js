// Entraide — progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // A table wider than the screen scrolls inside its box (app.css): a keyboard must reach it too,
  // so a scrolling box without a link or a field of its own takes the focus (and a name when it is a wrapper).
  var FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]';
  function markScrollingBoxes(root) {
    var boxes = root.querySelectorAll('main table, main .table-responsive');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var overflow = window.getComputedStyle(box).overflowX;
      var scrolls = (overflow === 'auto' || overflow === 'scroll') && box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute('tabindex') && !box.querySelector(FOCUSABLE)) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('data-scroll-box', '');
        if (box.tagName !== 'TABLE') {
          var caption = box.querySelector('caption');
          box.setAttribute('role', 'region');
          box.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Tableau');
        }
      } else if (!scrolls && box.hasAttribute('data-scroll-box')) {
        box.removeAttribute('tabindex');
        box.removeAttribute('data-scroll-box');
        if (box.tagName !== 'TABLE') {
          box.removeAttribute('role');
          box.removeAttribute('aria-label');
        }
      }
    }
  }

  // A reference (2026-00008, M2026-00006, E2026-00001-02, bail B-2021-03118) never breaks at its hyphen: views print
  // it with the 'ref' filter (<span class="ref">); the references still printed as plain text get the same span here.
  var REFERENCE = /(^|[^\w-])([A-Z]{0,3}-?\d{4}-\d{5}(?:-\d{2})?)(?![\w-])/g;
  var SKIP = { SCRIPT: 1, STYLE: 1, TEXTAREA: 1, OPTION: 1, SELECT: 1, TITLE: 1 };
  function keepReferencesWhole(root) {
    var main = root.querySelector ? root.querySelector('main') : null;
    if (!main) return;
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    var found = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var parent = node.parentElement;
      if (!parent || SKIP[parent.tagName] || parent.closest('.ref, .text-nowrap')) continue;
      REFERENCE.lastIndex = 0;
      if (REFERENCE.test(node.data)) found.push(node);
    }
    found.forEach(function (text) {
      var data = text.data;
      var fragment = document.createDocumentFragment();
      var last = 0;
      data.replace(REFERENCE, function (match, before, reference, offset) {
        var start = offset + before.length;
        fragment.appendChild(document.createTextNode(data.slice(last, start)));
        var span = document.createElement('span');
        span.className = 'ref';
        span.textContent = reference;
        fragment.appendChild(span);
        last = start + reference.length;
        return match;
      });
      fragment.appendChild(document.createTextNode(data.slice(last)));
      text.parentNode.replaceChild(fragment, text);
    });
  }

  // Browsers that cannot show the content of a closed <details> (app.css) get the menu opened on wide screens.
  function openWideMenu() {
    var menu = document.querySelector('details.nav-menu');
    if (!menu || (window.CSS && CSS.supports && CSS.supports('selector(::details-content)'))) return;
    var wide = window.matchMedia('(min-width: 992px)');
    var sync = function () {
      if (wide.matches) menu.open = true;
    };
    sync();
    if (wide.addEventListener) wide.addEventListener('change', sync);
  }

  document.addEventListener('DOMContentLoaded', function () {
    // move focus to the error summary of a rejected form, so screen readers announce it
    var summary = document.querySelector('[data-autofocus]');
    if (summary) summary.focus();
    openWideMenu();
    keepReferencesWhole(document);
    markScrollingBoxes(document);
  });
  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      markScrollingBoxes(document);
    }, 150);
  });
  document.addEventListener('htmx:afterSettle', function () {
    keepReferencesWhole(document);
    markScrollingBoxes(document);
  });
  // htmx requests carry the CSRF token of the page
  document.addEventListener('htmx:configRequest', function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content');
  });
})();
