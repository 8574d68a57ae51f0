import type { CreateTableBuilder } from 'kysely';
import type { Dialect } from '../database.js';

/** An auto-increment integer primary key `id`, spelled as each dialect wants it. */
export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
