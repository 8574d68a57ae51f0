// Progressive enhancement for the meter settings: the "What readers get" sentences follow the form
// as it is typed. The sentences come from the server (access/explain.ts, the one place they are
// made); without this script the "Show in words" button posts the form for the same sentences.
(function () {
  'use strict';
  var box = document.querySelector('[data-explain]');
  var form = document.querySelector('form[action="/admin/settings/meter"]');
  if (!box || !form || !window.fetch || !window.URLSearchParams) return;
  var list = box.querySelector('[data-explain-list]');
  var state = box.querySelector('[data-explain-state]');
  var csrf = form.querySelector('input[name="_csrf"]');
  var timer = null;
  var asked = 0;

  function show(sentences, line) {
    state.textContent = line;
    while (list.firstChild) list.removeChild(list.firstChild);
    sentences.forEach(function (s) {
      var li = document.createElement('li');
      li.textContent = s;
      list.appendChild(li);
    });
  }

  function explain() {
    var mine = ++asked;
    var body = new URLSearchParams(new FormData(form));
    fetch(box.getAttribute('data-explain'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf ? csrf.value : '', accept: 'application/json' },
      body: body.toString(),
    }).then(function (res) {
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    }).then(function (r) {
      if (mine !== asked) return; // a later change has been asked about since
      if (r.ok) show(r.data.sentences, 'With the rules below as typed, not saved yet:');
      else show([], r.data && r.data.error && r.data.error.message ? r.data.error.message : 'These rules cannot be put in words yet.');
    }).catch(function () {
      // Offline or the server is away: the list keeps its last sentences, and Save still works.
    });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(explain, 250);
  }
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
})();
