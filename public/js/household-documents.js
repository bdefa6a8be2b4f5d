// Entraide — « Mes documents » (household space): progressive enhancement only, the form works without it.
// With several files chosen, each one is sent on its own, one after the other, with its progress said:
// a connection lost midway loses only the file on its way (the server keeps each file it receives anyway).
(function () {
  'use strict';
  if (!window.fetch || !window.FormData) return;

  function say(form, text) {
    var status = form.querySelector('[data-upload-status]');
    if (status) status.textContent = text;
  }

  function sendOne(form, token, file) {
    var body = new FormData();
    body.append('_csrf', token);
    body.append('files', file, file.name);
    // the answer is a redirection to the page (its messages wait there): not followed, so they are kept for the page
    return fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', redirect: 'manual' }).then(function (res) {
      if (res.type !== 'opaqueredirect' && !res.ok) throw new Error('status ' + res.status);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    var input = form.querySelector('input[type="file"]');
    var tokenField = form.querySelector('input[name="_csrf"]');
    if (!input || !tokenField || !input.files || input.files.length < 2) return; // one file: the plain form
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    var done = 0;
    var next = function () {
      if (done === files.length) {
        say(form, 'Tout est envoyé.');
        // a second to read it, then the page again with what arrived
        window.setTimeout(function () {
          show(form);
        }, 1000);
        return undefined;
      }
      say(form, 'Envoi du fichier ' + (done + 1) + ' sur ' + files.length + '…');
      return sendOne(form, tokenField.value, files[done]).then(function () {
        done += 1;
        return next();
      });
    };
    next().catch(function () {
      say(
        form,
        done === 0
          ? 'La connexion a coupé : aucun fichier n’est arrivé. Vérifiez votre connexion, puis recommencez.'
          : 'La connexion a coupé : ' + done + ' fichier(s) sur ' + files.length + ' bien reçu(s). Renvoyez seulement les autres.',
      );
      if (button) button.disabled = false;
      if (done > 0)
        window.setTimeout(function () {
          show(form);
        }, 4000);
    });
  }

  /**
   * Shows the page again with what arrived: a new load of the page (an address differing only by its
   * « # » would only scroll, never reload), then the browser goes to the request's anchor.
   */
  function show(form) {
    var after = new URL(form.getAttribute('data-after') || window.location.pathname, window.location.href);
    if (after.pathname === window.location.pathname && after.search === window.location.search) {
      if (after.hash) window.location.hash = after.hash;
      window.location.reload();
    } else {
      window.location.assign(after.href);
    }
  }

  var forms = document.querySelectorAll('form.household-upload');
  for (var i = 0; i < forms.length; i++) forms[i].addEventListener('submit', onSubmit);
})();
