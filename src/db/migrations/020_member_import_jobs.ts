import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * A member CSV import runs as a job (issue 16), as Settings → Import does: the uploaded file waits
 * in its member_imports row until the job reads it, so any instance's worker can run it and a run
 * whose instance died is taken over when its lease runs out; the job clears the file when done.
 *
 * Numbered 020: 019 belongs to work built alongside.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('member_imports').addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob').execute();
}
