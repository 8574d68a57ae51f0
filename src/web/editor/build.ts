import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * The editor island as one minified file: TipTap, ProseMirror and our client code. Run by
 * `npm run build` (from dist) and by the test set-up (from src); either way the file lands in
 * dist/web/assets/editor.js, where web/assets.ts finds it.
 */
export async function buildEditor(root = fileURLToPath(new URL('../../../', import.meta.url))): Promise<{ file: string; bytes: number }> {
  const file = `${root}dist/web/assets/editor.js`;
  const r = await build({
    entryPoints: [`${root}src/web/editor/client/main.ts`],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outfile: file,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return { file, bytes: Object.values(r.metafile.outputs)[0]?.bytes ?? 0 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await buildEditor();
  console.log(`editor island: ${file} (${Math.round(bytes / 1024)} KB)`);
}
