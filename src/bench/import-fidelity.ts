/**
 * `npm run bench:fidelity`: the HTML importer on the hand-made fidelity corpus
 * (test/fixtures/importer/fidelity), cleaner on and off, as a Markdown table; `--explain` also
 * lists every line the cleaner removed and why, marking those that cost article text.
 */
import { join } from 'node:path';
import { fidelityTable, runFidelityCorpus } from '../importer/fidelity.js';

const dir = process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ?? join(import.meta.dirname, '../../test/fixtures/importer/fidelity');
const results = runFidelityCorpus(dir);
console.log(fidelityTable(results));
if (process.argv.includes('--explain')) {
  for (const r of results) {
    console.log(`\n${r.name}`);
    for (const x of r.removed) console.log(`  ${r.wrong.includes(x) ? 'WRONG ' : ''}${x.reason}: ${x.text}${x.detail ? ` (${x.detail})` : ''}`);
  }
}
