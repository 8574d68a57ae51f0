import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Our few static assets are read once at boot and served from memory under a
 * content-hashed URL, so browsers may cache them forever. (This replaces
 * @fastify/static: a stylesheet and one small script do not need a file server.)
 */
export interface Asset { path: string; body: Buffer; type: string; etag: string }

function load(file: string, name: string, ext: string, type: string): Asset {
  // Assets live in src/web/assets; the compiled code in dist/web finds them through the source tree.
  const candidates = [new URL(`./assets/${file}`, import.meta.url), new URL(`../../src/web/assets/${file}`, import.meta.url)];
  for (const url of candidates) {
    try {
      const body = readFileSync(fileURLToPath(url));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      return { path: `/assets/${name}.${hash}.${ext}`, body, type, etag: `"${hash}"` };
    } catch {
      // try the next location
    }
  }
  throw new Error(`asset ${file} not found`);
}

let assets: { css: Asset; commentsJs: Asset; settingsJs: Asset } | undefined;
export function getAssets(): { css: Asset; commentsJs: Asset; settingsJs: Asset } {
  assets ??= {
    css: load('site.css', 'site', 'css', 'text/css; charset=utf-8'),
    commentsJs: load('comments.js', 'comments', 'js', 'text/javascript; charset=utf-8'),
    // The meter settings' live explainer; loaded on that page only.
    settingsJs: load('settings.js', 'settings', 'js', 'text/javascript; charset=utf-8'),
  };
  return assets;
}

/**
 * The editor's island, bundled by esbuild at `npm run build` (web/editor/build.ts) into
 * dist/web/assets/editor.js; the test set-up builds the same file. Looked up once: without it
 * the editor page is its plain form (Markdown body), which works without JavaScript anyway.
 */
let editor: Asset | null | undefined;
export function getEditorAsset(): Asset | null {
  if (editor !== undefined) return editor;
  editor = null;
  for (const url of [new URL('./assets/editor.js', import.meta.url), new URL('../../dist/web/assets/editor.js', import.meta.url)]) {
    try {
      const body = readFileSync(fileURLToPath(url));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      editor = { path: `/assets/editor.${hash}.js`, body, type: 'text/javascript; charset=utf-8', etag: `"${hash}"` };
      break;
    } catch {
      // not built here; try the next location
    }
  }
  return editor;
}
