import { sql, type Kysely } from 'kysely';

/**
 * A PostgreSQL migration step the server may refuse (an extension without the privilege, a
 * feature it was built without): tried, and true when it went through. Migrations run in one
 * transaction on PostgreSQL, so the attempt goes in a savepoint and a refusal leaves that
 * transaction usable.
 */
export async function optionalStep(db: Kysely<any>, name: string, step: () => Promise<void>): Promise<boolean> {
  const inTransaction = db.isTransaction;
  if (inTransaction) await sql`savepoint ${sql.id(name)}`.execute(db);
  try {
    await step();
    if (inTransaction) await sql`release savepoint ${sql.id(name)}`.execute(db);
    return true;
  } catch {
    if (inTransaction) await sql`rollback to savepoint ${sql.id(name)}`.execute(db);
    return false;
  }
}
