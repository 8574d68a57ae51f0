import { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { addColumnAfter, addRowAfter, deleteColumn, deleteRow, deleteTable } from '@tiptap/pm/tables';
import { editorExtensions } from '../schema.js';
import { fromStored, readingMinutes, toStored, wordCount } from '../model.js';

/**
 * The editor island: TipTap over the server-rendered form. Without this script the form posts
 * with a Markdown body; with it, the body is a rich editor that autosaves as JSON (session cookie
 * and X-CSRF-Token, never a bearer token), names the revision each save was based on, keeps
 * unsaved text in localStorage until the server has it, and never overwrites someone else's save.
 */
type StoredDoc = { type: 'doc'; content: unknown[] };
type Current = { revision: number; by: string; at: string };
interface Local { base: number | null; doc: StoredDoc; fields: Record<string, unknown>; at: number }

const AUTOSAVE_MS = 2000;
const RETRY_MS = 4000;

const form = document.getElementById('article-form') as HTMLFormElement | null;
const host = document.getElementById('editor-body');
if (form && host) start(form, host);

function start(form: HTMLFormElement, host: HTMLElement): void {
  const $ = <T extends HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T | null;
  const csrf = ($<HTMLInputElement>('input[name=_csrf]', form)?.value) ?? '';
  let id: number | null = form.dataset.articleId ? Number(form.dataset.articleId) : null;
  let revision: number | null = form.dataset.revision ? Number(form.dataset.revision) : null;
  const status = $<HTMLElement>('#save-status')!;
  const alertBox = $<HTMLElement>('#editor-alert')!;
  const words = $<HTMLElement>('#word-count');
  const textarea = $<HTMLTextAreaElement>('textarea', host)!;
  const server: StoredDoc = host.dataset.doc ? JSON.parse(host.dataset.doc) : { type: 'doc', content: [] };

  const keyFor = (x: number | null) => `masthead:editor:${x ?? 'new'}`;
  const readLocal = (): Local | null => {
    try { return JSON.parse(localStorage.getItem(keyFor(id)) ?? 'null') as Local | null; } catch { return null; }
  };

  // ---- fields ----
  const named = (n: string) => form.elements.namedItem(n) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null;
  const text = (n: string) => (named(n)?.value ?? '').trim();
  function fields(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      title: text('title'), dek: text('dek'), section: text('section') || null, accessLevel: text('accessLevel') || null,
      tags: text('tags').split(',').map((t) => t.trim()).filter(Boolean),
      authors: [...form.querySelectorAll<HTMLInputElement>('input[name=authors]:checked')].map((i) => i.value),
      featureImageUrl: text('featureImageUrl') || null, featureImageAlt: text('featureImageAlt') || null,
      seoTitle: text('seoTitle') || null, seoDescription: text('seoDescription') || null, canonicalUrl: text('canonicalUrl') || null,
    };
    if (text('slug')) out.slug = text('slug');
    return out;
  }
  function applyFields(f: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(f)) {
      if (k === 'authors' && Array.isArray(v)) {
        for (const box of form.querySelectorAll<HTMLInputElement>('input[name=authors]')) box.checked = v.includes(box.value);
      } else if (k === 'tags' && Array.isArray(v)) { const el = named('tags'); if (el) el.value = v.join(', '); }
      else { const el = named(k); if (el) el.value = typeof v === 'string' ? v : ''; }
    }
  }

  // ---- the editor replaces the Markdown box ----
  const local = readLocal();
  let initial = server;
  let restoredNote = '';
  if (local) {
    // Text this browser never got saved. Opened over its own base it simply carries on; over an
    // older base the first save meets the newer revision and the conflict prompt says so.
    initial = local.doc;
    applyFields(local.fields);
    if (local.base !== null) revision = local.base;
    restoredNote = 'Unsaved changes from this browser were restored.';
  }
  textarea.hidden = true;
  textarea.removeAttribute('name');
  $<HTMLInputElement>('input[name=markdownBase]', form)?.remove();
  $<HTMLElement>('#body-hint')?.remove();
  const label = $<HTMLElement>('#body-label')!;
  label.textContent = 'Body';
  label.removeAttribute('for');

  const toolbar = document.createElement('div');
  toolbar.className = 'editor-toolbar';
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'Formatting');
  const mount = document.createElement('div');
  host.insertBefore(toolbar, textarea);
  host.insertBefore(mount, textarea);

  const editor = new Editor({
    element: mount,
    extensions: editorExtensions(),
    content: fromStored(initial),
    editorProps: {
      attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'body-label', 'aria-describedby': 'word-count' },
      // An image pasted or dropped goes to the media library first; the document only ever holds its URL.
      handlePaste: (view, event) => takeImages(event.clipboardData?.files, view.state.selection.from),
      handleDrop: (view, event) => {
        const at = view.posAtCoords({ left: (event as DragEvent).clientX, top: (event as DragEvent).clientY })?.pos ?? view.state.selection.from;
        return takeImages((event as DragEvent).dataTransfer?.files, at);
      },
    },
    onUpdate: () => changed(),
    onSelectionUpdate: () => refreshToolbar(),
    onTransaction: () => refreshToolbar(),
  });

  // ---- images pasted or dropped: upload, then alt text and caption, then the node ----
  type MediaOut = { id: number; url: string; alt: string; originalName: string };
  async function uploadImage(file: File): Promise<MediaOut> {
    const data = new FormData();
    data.append('file', file, file.name || 'pasted-image.png');
    const res = await fetch('/admin/api/media', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrf }, body: data });
    const out = await res.json().catch(() => ({})) as { media?: MediaOut; error?: { message: string } };
    if (!res.ok || !out.media) throw new Error(out.error?.message ?? `error ${res.status}`);
    return out.media;
  }
  /** After the top-level block that holds `pos`, like the paywall break: an image is a block of its own. */
  const blockEnd = (pos: number) => {
    const $p = editor.state.doc.resolve(Math.min(pos, editor.state.doc.content.size));
    return $p.depth > 0 ? $p.after(1) : $p.pos;
  };
  function takeImages(files: FileList | undefined, pos: number): boolean {
    const images = [...(files ?? [])].filter((f) => f.type.startsWith('image/'));
    if (!images.length) return false;
    void (async () => {
      for (const file of images) {
        setStatus('Uploading the image…');
        let media: MediaOut;
        try { media = await uploadImage(file); } catch (err) {
          setStatus('Image not uploaded');
          showAlert(`The image was not uploaded: ${(err as Error).message}. The text is unchanged.`);
          continue;
        }
        setStatus(dirty ? 'Unsaved changes' : 'Saved');
        const details = await describeImage(media);
        if (!details) continue;
        const at = blockEnd(pos);
        editor.chain().focus().insertContentAt(at, { type: 'image', attrs: { src: media.url, alt: details.alt || null, caption: details.caption || null } }).run();
        pos = at + 1;
      }
    })();
    return true;
  }
  /** A small form under the toolbar (not a modal): the image's alt text and caption, then Insert or Cancel. */
  function describeImage(media: MediaOut): Promise<{ alt: string; caption: string } | null> {
    return new Promise((resolve) => {
      const panel = document.createElement('div');
      panel.className = 'image-details';
      panel.setAttribute('role', 'group');
      panel.setAttribute('aria-labelledby', 'image-details-h');
      const h = document.createElement('p');
      h.id = 'image-details-h';
      h.textContent = `Describe the image (${media.originalName})`;
      const preview = document.createElement('img');
      preview.src = media.url;
      preview.alt = '';
      const input = (id: string, label: string, value: string) => {
        const p = document.createElement('p');
        p.className = 'field';
        const l = document.createElement('label');
        l.htmlFor = id;
        l.textContent = label;
        const i = document.createElement('input');
        i.id = id;
        i.value = value;
        i.maxLength = id === 'image-alt' ? 1000 : 2000;
        p.append(l, i);
        return { p, i };
      };
      const alt = input('image-alt', 'Alt text: what the image shows, for readers who cannot see it', media.alt);
      const caption = input('image-caption', 'Caption (optional)', '');
      const done = (v: { alt: string; caption: string } | null) => { panel.remove(); resolve(v); };
      const ok = document.createElement('button');
      ok.type = 'button';
      ok.className = 'button';
      ok.textContent = 'Insert image';
      ok.addEventListener('click', () => done({ alt: alt.i.value.trim(), caption: caption.i.value.trim() }));
      const cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.className = 'button button--secondary';
      cancel.textContent = 'Cancel';
      cancel.addEventListener('click', () => done(null));
      panel.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') { e.preventDefault(); done(null); }
        else if (e.key === 'Enter' && (e.target as HTMLElement).tagName === 'INPUT') { e.preventDefault(); ok.click(); }
      });
      panel.append(h, preview, alt.p, caption.p, ok, ' ', cancel);
      host.insertBefore(panel, mount);
      alt.i.focus();
    });
  }

  type Tool = { label: string; key?: string; run: () => void; active?: () => boolean };
  const c = () => editor.chain().focus();
  const tools: Tool[] = [
    { label: 'Bold', key: 'Ctrl+B', run: () => c().toggleBold().run(), active: () => editor.isActive('bold') },
    { label: 'Italic', key: 'Ctrl+I', run: () => c().toggleItalic().run(), active: () => editor.isActive('italic') },
    { label: 'Strikethrough', run: () => c().toggleStrike().run(), active: () => editor.isActive('strike') },
    { label: 'Code', key: 'Ctrl+E', run: () => c().toggleCode().run(), active: () => editor.isActive('code') },
    { label: 'Heading 2', run: () => c().toggleHeading({ level: 2 }).run(), active: () => editor.isActive('heading', { level: 2 }) },
    { label: 'Heading 3', run: () => c().toggleHeading({ level: 3 }).run(), active: () => editor.isActive('heading', { level: 3 }) },
    { label: 'Bulleted list', run: () => c().toggleBulletList().run(), active: () => editor.isActive('bulletList') },
    { label: 'Numbered list', run: () => c().toggleOrderedList().run(), active: () => editor.isActive('orderedList') },
    { label: 'Quote', run: () => c().toggleBlockquote().run(), active: () => editor.isActive('blockquote') },
    { label: 'Code block', run: () => c().toggleCodeBlock().run(), active: () => editor.isActive('codeBlock') },
    { label: 'Horizontal rule', run: () => c().setHorizontalRule().run() },
    {
      label: 'Link', run: () => {
        const href = prompt('Link address (https://…, or a path on this site)', editor.getAttributes('link').href ?? '');
        if (href === null) return;
        if (href.trim()) c().extendMarkRange('link').setLink({ href: href.trim() }).run();
        else c().extendMarkRange('link').unsetLink().run();
      }, active: () => editor.isActive('link'),
    },
    {
      label: 'Image', run: () => {
        const src = prompt('Image address (https://…, or a path on this site)');
        if (!src) return;
        const alt = prompt('Alt text: what the image shows, for readers who cannot see it') ?? '';
        const caption = prompt('Caption (optional)') ?? '';
        c().insertContent({ type: 'image', attrs: { src: src.trim(), alt: alt.trim() || null, caption: caption.trim() || null } }).run();
      },
    },
    {
      // A note at the cursor; with a footnote selected, its text is edited instead.
      label: 'Footnote', run: () => {
        const sel = editor.state.selection as { node?: { type: { name: string }; attrs: { text?: string } } };
        const current = sel.node?.type.name === 'footnote' ? sel.node.attrs.text ?? '' : null;
        const text = prompt(current === null ? 'Footnote text' : 'Edit the footnote', current ?? '');
        if (text === null) return;
        if (!text.trim()) { if (current !== null) c().deleteSelection().run(); return; }
        if (current !== null) c().updateAttributes('footnote', { text: text.trim() }).run();
        else c().insertContent({ type: 'footnote', attrs: { text: text.trim() } }).run();
      }, active: () => editor.isActive('footnote'),
    },
    {
      // One break per article, after the top-level block the cursor is in: inserting it again moves it.
      label: 'Insert paywall break', run: () => c().command(({ tr }) => {
        const $from = tr.selection.$from;
        let at = $from.depth > 0 ? $from.after(1) : $from.pos;
        const old: number[] = [];
        tr.doc.forEach((n, pos) => { if (n.type.name === 'previewBreak') old.push(pos); });
        for (const pos of old.reverse()) { tr.delete(pos, pos + 1); if (pos < at) at -= 1; }
        tr.insert(at, editor.schema.nodes.previewBreak!.create());
        return true;
      }).run(),
    },
    {
      // Stored as a link card (url, title): reader pages load nothing from the provider.
      label: 'Embed by URL', run: () => {
        const url = prompt('Address of the post or video to embed (https://…)')?.trim();
        if (!url) return;
        let ok = false;
        try { ok = /^https?:$/.test(new URL(url).protocol) && !/\s/.test(url); } catch { ok = false; }
        if (!ok) { alert('An embed needs a full http(s) address, such as https://www.youtube.com/watch?v=…'); return; }
        const title = prompt('Title shown on the card (optional)')?.trim() || null;
        c().insertContent({ type: 'embed', attrs: { url, title } }).run();
      },
    },
    {
      label: 'Insert table', run: () => {
        const { paragraph, tableRow, tableHeader, tableCell, table } = editor.schema.nodes;
        const row = (cell: typeof tableCell) => tableRow!.create(null, [0, 1, 2].map(() => cell!.create(null, paragraph!.create())));
        // After the block the cursor is in, like the paywall break, with the cursor in the first cell.
        c().command(({ tr }) => {
          const $from = tr.selection.$from;
          const at = $from.depth > 0 ? $from.after(1) : $from.pos;
          tr.insert(at, table!.create(null, [row(tableHeader), row(tableCell), row(tableCell)]));
          tr.setSelection(TextSelection.near(tr.doc.resolve(at + 4)));
          return true;
        }).run();
      },
    },
    { label: 'Add row', run: () => { editor.view.focus(); addRowAfter(editor.state, editor.view.dispatch); } },
    { label: 'Add column', run: () => { editor.view.focus(); addColumnAfter(editor.state, editor.view.dispatch); } },
    { label: 'Delete row', run: () => { editor.view.focus(); deleteRow(editor.state, editor.view.dispatch); } },
    { label: 'Delete column', run: () => { editor.view.focus(); deleteColumn(editor.state, editor.view.dispatch); } },
    { label: 'Delete table', run: () => { editor.view.focus(); deleteTable(editor.state, editor.view.dispatch); } },
    { label: 'Undo', key: 'Ctrl+Z', run: () => c().undo().run() },
    { label: 'Redo', key: 'Ctrl+Shift+Z', run: () => c().redo().run() },
  ];
  const buttons = tools.map((t) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = t.label;
    if (t.key) b.setAttribute('aria-keyshortcuts', t.key.replace('Ctrl', 'Control'));
    if (t.active) b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', t.run);
    toolbar.append(b);
    return b;
  });
  // Row and column buttons mean something only inside a table: elsewhere they are disabled.
  const TABLE_ONLY = new Set(['Add row', 'Add column', 'Delete row', 'Delete column', 'Delete table']);
  function refreshToolbar(): void {
    const inTable = editor.isActive('table');
    tools.forEach((t, i) => {
      if (t.active) buttons[i]!.setAttribute('aria-pressed', String(t.active()));
      if (TABLE_ONLY.has(t.label)) buttons[i]!.disabled = !inTable;
    });
  }

  // ---- state ----
  let dirty = false;
  let saving: Promise<void> | null = null;
  let timer: number | undefined;
  let conflict = false;

  const setStatus = (s: string) => { status.textContent = s; };
  function count(): void {
    if (!words) return;
    const n = wordCount(editor.state.doc.textBetween(0, editor.state.doc.content.size, ' ', ' '));
    words.textContent = `${n} ${n === 1 ? 'word' : 'words'} · ${readingMinutes(n)} min read`;
  }
  function writeLocal(): void {
    const l: Local = { base: revision, doc: toStored(editor.getJSON()) as StoredDoc, fields: fields(), at: Date.now() };
    try { localStorage.setItem(keyFor(id), JSON.stringify(l)); } catch { /* storage full or off: the server copy is all there is */ }
  }
  function socialCard(): void {
    const card = $<HTMLElement>('#social-card');
    if (!card) return;
    const set = (sel: string, v: string) => { const el = $<HTMLElement>(sel, card); if (el) el.textContent = v; };
    set('.social-card__title', text('seoTitle') || text('title') || 'Untitled');
    set('.social-card__description', text('seoDescription') || text('dek'));
    const box = $<HTMLElement>('.social-card__image', card)!;
    const src = text('featureImageUrl');
    const img = box.querySelector('img');
    if (src && img?.getAttribute('src') === src) return;
    box.replaceChildren();
    if (src) { const i = document.createElement('img'); i.src = src; i.alt = ''; box.append(i); }
    else { const span = document.createElement('span'); span.textContent = 'No feature image'; box.append(span); }
  }
  function changed(): void {
    dirty = true;
    socialCard();
    writeLocal();
    count();
    if (conflict) return;
    setStatus('Unsaved changes');
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void save(), AUTOSAVE_MS);
  }
  // The image details form sits in the article form but is not one of its fields.
  const ownField = (e: Event) => !(e.target as HTMLElement).closest('.tiptap, .image-details, #feature-upload');
  form.addEventListener('input', (e) => { if (ownField(e)) changed(); });
  form.addEventListener('change', (e) => { if (ownField(e)) changed(); });

  // ---- the feature image: chosen from the library, or uploaded here ----
  const pick = named('featureImagePick') as HTMLSelectElement | null;
  function useFeature(url: string, alt: string): void {
    const u = named('featureImageUrl');
    const a = named('featureImageAlt');
    if (u) u.value = url;
    if (a && !a.value.trim() && alt) a.value = alt;
    changed();
  }
  pick?.addEventListener('change', () => {
    const o = pick.selectedOptions[0];
    if (o?.value) useFeature(o.value, o.dataset.alt ?? '');
  });
  const upload = document.getElementById('feature-upload');
  if (upload && pick) {
    upload.hidden = false;
    const file = upload.querySelector('input[type=file]') as HTMLInputElement;
    const note = upload.querySelector('[role=status]') as HTMLElement;
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (!f) return;
      note.textContent = 'Uploading…';
      uploadImage(f).then((m) => {
        const o = document.createElement('option');
        o.value = m.url;
        o.dataset.alt = m.alt;
        o.textContent = m.originalName;
        pick.append(o);
        pick.value = m.url;
        useFeature(m.url, m.alt);
        note.textContent = `Uploaded ${m.originalName}: it is the feature image.`;
        file.value = '';
      }, (err: Error) => { note.textContent = `Not uploaded: ${err.message}.`; });
    });
  }

  function showAlert(message: string, actions: [string, () => void][] = []): void {
    alertBox.replaceChildren();
    const p = document.createElement('p');
    p.textContent = message;
    alertBox.append(p);
    for (const [name, act] of actions) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'button button--secondary';
      b.textContent = name;
      b.addEventListener('click', act);
      alertBox.append(b, ' ');
    }
    alertBox.hidden = false;
  }
  const hideAlert = () => { alertBox.hidden = true; alertBox.replaceChildren(); };

  function showWarnings(ws: { message: string }[]): void {
    const box = $<HTMLElement>('#prepublish');
    if (!box) return;
    box.replaceChildren();
    if (!ws.length) { const p = document.createElement('p'); p.textContent = 'Pre-publish check: nothing to warn about.'; box.append(p); return; }
    const h = document.createElement('h3');
    h.textContent = 'Before you publish';
    const ul = document.createElement('ul');
    ul.className = 'warnings';
    for (const w of ws) { const li = document.createElement('li'); li.textContent = w.message.charAt(0).toUpperCase() + w.message.slice(1) + '.'; ul.append(li); }
    box.append(h, ul);
  }

  function setRevision(r: number): void {
    revision = r;
    form.dataset.revision = String(r);
    for (const input of document.querySelectorAll<HTMLInputElement>('input[name=baseRevision]')) input.value = String(r);
  }

  function onConflict(cur: Current): void {
    conflict = true;
    const when = new Date(cur.at).toLocaleString();
    setStatus('Not saved: someone else saved first');
    showAlert(`${cur.by} changed this article at ${when}. Your version was not saved over theirs; it is still here and kept in this browser.`, [
      ['Reload', () => reload()],
      ['See their version', () => { window.open(`/admin/articles/${id}/revisions/${cur.revision}`, '_blank', 'noopener'); }],
      ['Save mine over theirs', () => { conflict = false; hideAlert(); setRevision(cur.revision); void save(); }],
    ]);
  }

  function reload(): void {
    dirty = false;
    window.clearTimeout(timer);
    // Mine goes aside rather than away: the reload is a choice, and it can be undone by hand.
    try { localStorage.setItem(`${keyFor(id)}:replaced`, localStorage.getItem(keyFor(id)) ?? ''); localStorage.removeItem(keyFor(id)); } catch { /* ignore */ }
    window.location.reload();
  }

  async function save(): Promise<void> {
    if (saving) { await saving; if (!dirty) return; }
    window.clearTimeout(timer);
    const sent = { ...fields(), body: { doc: toStored(editor.getJSON()) } };
    const snapshot = JSON.stringify(sent);
    saving = (async () => {
      setStatus('Saving…');
      let res: Response;
      try {
        res = id === null
          ? await fetch('/admin/api/articles', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: snapshot })
          : await fetch(`/admin/api/articles/${id}`, { method: 'PUT', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ ...sent, baseRevision: revision }) });
      } catch {
        setStatus('Offline: your text is kept in this browser; trying again…');
        timer = window.setTimeout(() => void save(), RETRY_MS);
        return;
      }
      const data = await res.json().catch(() => ({})) as { article?: { id: number; revision: number }; warnings?: { message: string }[]; error?: { message: string }; current?: Current };
      if (res.ok && data.article) {
        const wasNew = id === null;
        if (wasNew) {
          try { localStorage.removeItem(keyFor(null)); } catch { /* ignore */ }
          id = data.article.id;
          form.action = `/admin/articles/${id}`;
          form.dataset.articleId = String(id);
          history.replaceState(null, '', `/admin/articles/${id}`);
        }
        setRevision(data.article.revision);
        hideAlert();
        showWarnings(data.warnings ?? []);
        const now = JSON.stringify({ ...fields(), body: { doc: toStored(editor.getJSON()) } });
        if (now === snapshot) {
          dirty = false;
          try { localStorage.removeItem(keyFor(id)); } catch { /* ignore */ }
          setStatus('Saved');
          // A new article's page has no publishing panel yet: load it once the draft exists.
          if (wasNew) window.location.replace(`/admin/articles/${id}`);
        } else {
          writeLocal();
          timer = window.setTimeout(() => void save(), AUTOSAVE_MS);
        }
      } else if (res.status === 409 && data.current) {
        onConflict(data.current);
      } else if (res.status >= 400 && res.status < 500) {
        setStatus('Not saved');
        showAlert(`The server did not accept this save: ${data.error?.message ?? `error ${res.status}`}. Your text is still here and kept in this browser.`);
      } else {
        setStatus('Not saved: the server had a problem; trying again…');
        timer = window.setTimeout(() => void save(), RETRY_MS);
      }
    })().finally(() => { saving = null; });
    await saving;
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); void save(); });
  const publish = document.getElementById('publish-form') as HTMLFormElement | null;
  publish?.addEventListener('submit', (e) => {
    if (!dirty && !saving) return;
    // Publish what is on the screen: save first, then send the publishing form over the new revision.
    e.preventDefault();
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    void save().then(() => {
      if (dirty || conflict) return;
      if (submitter?.name) { const h = document.createElement('input'); h.type = 'hidden'; h.name = submitter.name; h.value = submitter.value; publish.append(h); }
      publish.submit();
    });
  });
  window.addEventListener('beforeunload', (e) => {
    if (!dirty && !saving) return;
    e.preventDefault();
    e.returnValue = '';
  });

  count();
  refreshToolbar();
  if (restoredNote) { setStatus(restoredNote); dirty = true; timer = window.setTimeout(() => void save(), 500); }
}
