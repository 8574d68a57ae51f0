import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { optionalStep } from './optional.js';

/**
 * PostgreSQL compresses long values (TOAST) with pglz unless told otherwise. An editor's autosave
 * of a long read writes its document, its rendered body and the history entry's copy of the
 * document, a hundred kilobytes or more, every few seconds; lz4 compresses them several times
 * faster (measured: a 5,000-word autosave about a millisecond quicker at the median). Only values
 * written from now on use it; stored ones read as before. A server built without lz4 refuses the
 * setting: then nothing changes and the migration does not fail. SQLite stores text as it is.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await optionalStep(db, 'long_text_lz4', async () => {
    await sql`alter table articles alter column body_doc set compression lz4, alter column body_html set compression lz4, alter column preview_html set compression lz4`.execute(db);
    await sql`alter table article_revisions alter column body_doc set compression lz4`.execute(db);
  });
}
