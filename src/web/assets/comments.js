// Progressive enhancement for comments: reply inline and post without a page load.
// Without this script every action is a plain form and works the same.
(function () {
  'use strict';
  var section = document.getElementById('comments');
  if (!section || !window.fetch) return;
  var slug = section.getAttribute('data-article');
  var main = section.querySelector('form.comment-form');
  if (!slug || !main) return;
  var csrf = main.querySelector('input[name="_csrf"]').value;
  var count = section.querySelector('.comment-count');

  // The heading's "(N)" is the server's count of visible comments; a comment held for moderation adds nothing.
  function countOneMore() {
    var n = count ? parseInt(count.textContent.replace(/[^0-9]/g, ''), 10) : NaN;
    if (!isNaN(n)) count.textContent = '(' + (n + 1) + ')';
  }

  // What the page would show the author for a comment of theirs in the edit window.
  function ownActions(id) {
    var edit = document.createElement('a');
    edit.href = '/comments/' + id + '#edit';
    edit.textContent = 'Edit';
    var del = document.createElement('form');
    del.className = 'inline-form';
    del.method = 'post';
    del.action = '/comments/' + id + '/delete';
    var token = document.createElement('input');
    token.type = 'hidden';
    token.name = '_csrf';
    token.value = csrf;
    var button = document.createElement('button');
    button.className = 'link-button';
    button.type = 'submit';
    button.textContent = 'Delete';
    del.appendChild(token);
    del.appendChild(button);
    return [edit, del];
  }

  function post(form, parentId, done) {
    var text = form.querySelector('textarea').value;
    var status = form.querySelector('.form-status') || form.appendChild(document.createElement('p'));
    status.className = 'form-status';
    status.setAttribute('role', 'status');
    status.textContent = 'Posting…';
    fetch('/api/articles/' + encodeURIComponent(slug) + '/comments', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(parentId ? { body: text, parent_id: parentId } : { body: text }),
    }).then(function (res) {
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    }).then(function (r) {
      if (!r.ok) {
        status.className = 'form-error';
        status.textContent = (r.data.error && r.data.error.message) || 'Your comment was not posted.';
        return;
      }
      var c = r.data.comment;
      if (c.status !== 'visible') {
        status.textContent = 'Thank you: your comment will appear once a moderator has approved it.';
        return;
      }
      var li = document.createElement('li');
      li.className = 'comment comment--new';
      li.id = 'comment-' + c.id;
      var art = document.createElement('article');
      var head = document.createElement('header');
      head.className = 'comment__meta';
      var who = document.createElement('strong');
      who.className = 'comment__author';
      who.textContent = c.author + ' (just now)';
      head.appendChild(who);
      var body = document.createElement('div');
      body.className = 'comment__body';
      body.innerHTML = c.html; // sanitised on the server, the same HTML the page shows
      var actions = document.createElement('footer');
      actions.className = 'comment__actions';
      var reply = document.createElement('a');
      reply.className = 'comment-reply';
      reply.href = '/comments/' + c.id + '#reply';
      reply.setAttribute('data-comment', String(c.id));
      reply.textContent = 'Reply';
      actions.appendChild(reply);
      ownActions(c.id).forEach(function (el) { actions.appendChild(el); });
      art.appendChild(head);
      art.appendChild(body);
      art.appendChild(actions);
      li.appendChild(art);
      form.querySelector('textarea').value = '';
      status.textContent = '';
      countOneMore();
      done(li);
    }).catch(function () {
      status.className = 'form-error';
      status.textContent = 'Could not reach the server. Your text is still here; try again.';
    });
  }

  main.addEventListener('submit', function (e) {
    e.preventDefault();
    post(main, null, function (li) {
      var empty = section.querySelector('.comments-empty');
      if (empty) empty.remove();
      var list = section.querySelector('ol.comment-list');
      if (!list) {
        list = document.createElement('ol');
        list.className = 'comment-list';
        main.parentNode.insertBefore(list, main);
      }
      list.appendChild(li);
    });
  });

  section.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('a.comment-reply');
    if (!link) return;
    e.preventDefault();
    var id = link.getAttribute('data-comment');
    var host = document.getElementById('comment-' + id);
    var existing = host.querySelector(':scope > article > form.comment-form');
    if (existing) { existing.querySelector('textarea').focus(); return; }
    var form = main.cloneNode(true);
    form.removeAttribute('id');
    var ta = form.querySelector('textarea');
    ta.id = 'reply-' + id;
    form.querySelector('label').setAttribute('for', ta.id);
    form.querySelector('label').textContent = 'Your reply';
    form.querySelector('button').textContent = 'Post reply';
    host.querySelector(':scope > article').appendChild(form);
    ta.focus();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      post(form, id, function (li) {
        var art = host.querySelector(':scope > article');
        var replies = art.querySelector(':scope > ol.comment-list--replies');
        if (!replies) {
          replies = document.createElement('ol');
          replies.className = 'comment-list comment-list--replies';
          art.insertBefore(replies, form);
        }
        replies.appendChild(li);
        form.remove();
      });
    });
  });
})();
