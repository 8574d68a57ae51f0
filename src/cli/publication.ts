import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Database } from '../db/database.js';
import type { Clock } from '../clock.js';
import { exportPublication } from '../export/export.js';
import { loadPublication } from '../export/load.js';
import { LEFT_OUT, OMITTED_COLUMNS } from '../export/tables.js';
import { audit } from '../members/audit.js';
import { invalidInput } from '../errors.js';

/** The file is parsed in one piece (JSON.parse holds it all in memory; V8 strings stop near 512 MB). */
const MAX_LOAD_BYTES = 256 * 1024 ** 2;

/**
 * `masthead publication export FILE|-` and `masthead publication import FILE`. An export goes to
 * FILE.partial first and is renamed when complete, so a failed one leaves no file that looks whole.
 */
export async function publicationCommand(args: string[], database: Database, clock: Clock): Promise<number> {
  const [sub, file] = args;
  if (sub === 'export' && file) {
    if (file === '-') {
      await exportPublication(database.db, database.dialect, async (c) => {
        if (!process.stdout.write(c)) await once(process.stdout, 'drain');
      }, { now: clock.now() });
      await audit(database.db, { at: clock.now(), actor: 'cli', action: 'publication.export', target: 'stdout' });
      return 0;
    }
    const partial = `${file}.partial`;
    const out = createWriteStream(partial);
    try {
      await exportPublication(database.db, database.dialect, async (c) => {
        if (!out.write(c)) await once(out, 'drain');
      }, { now: clock.now() });
      out.end();
      await once(out, 'finish');
      await rename(partial, file);
    } catch (err) {
      out.destroy();
      await rm(partial, { force: true });
      throw err;
    }
    await audit(database.db, { at: clock.now(), actor: 'cli', action: 'publication.export', target: file });
    process.stderr.write(`wrote ${file}; left out: ${Object.keys(LEFT_OUT).join(', ')}; columns ${OMITTED_COLUMNS.join(', ')}\n`);
    return 0;
  }
  if (sub === 'import' && file) {
    const size = (await stat(file)).size;
    if (size > MAX_LOAD_BYTES) throw invalidInput(`${file} is larger than ${MAX_LOAD_BYTES} bytes`);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw invalidInput(`${file} is not JSON: is it a Masthead publication export?`);
    }
    const counts = await loadPublication(database.db, database.dialect, data);
    await audit(database.db, { at: clock.now(), actor: 'cli', action: 'publication.import', target: file, details: counts });
    for (const [table, n] of Object.entries(counts)) process.stdout.write(`${table}\t${n}\n`);
    process.stdout.write('loaded; staff set their passwords again (masthead user reset-password --email E), members sign in by link\n');
    return 0;
  }
  process.stderr.write('usage: masthead publication export FILE|- | masthead publication import FILE\n');
  return 2;
}
