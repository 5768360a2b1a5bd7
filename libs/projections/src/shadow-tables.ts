import type Database from 'better-sqlite3';
import { writeCheckpoint } from '#background';
import { READ_MODEL_TABLES, SHADOW_TABLES } from './read-model-db.js';

/**
 * The shadow tables a rebuild writes beside the live read models (blue/green):
 * made fresh at the start, dropped when the rebuild fails, swapped into the
 * live tables' place at the end.
 */

/** The checkpoint and parked events of the projection being built in the shadow tables. */
export const shadowProjectionName = (name: string): string => `${name}:shadow`;

/** Replaces whatever an earlier rebuild left with empty shadow tables, each defined as its live table is. */
export function createShadowTables(db: Database.Database, shadow: string): void {
  dropShadowTables(db, shadow);
  for (const table of READ_MODEL_TABLES) db.exec(shadowTableDdl(db, table));
}

/** The live table's own definition, under the shadow's name: a table added to the schema gets its shadow for free. */
function shadowTableDdl(db: Database.Database, table: (typeof READ_MODEL_TABLES)[number]): string {
  const row = db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!row) throw new Error(`the read models have no table ${table}`);
  const ddl = row.sql.replace(/^CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(?:"[^"]+"|\S+)/i, `CREATE TABLE ${SHADOW_TABLES[table]}`);
  if (ddl === row.sql) throw new Error(`cannot derive the shadow of table ${table} from ${row.sql}`);
  return ddl;
}

/**
 * Inside the final transaction: the shadow tables take the live tables'
 * place (with the live tables' indexes, rebuilt), and the shadow's parked
 * events and checkpoint become the live projection's.
 */
export function swapShadowTablesIn(db: Database.Database, live: string, shadow: string, position: number): void {
  const indexes = db
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL " +
        `AND tbl_name IN (${READ_MODEL_TABLES.map((t) => `'${t}'`).join(', ')})`,
    )
    .all();
  for (const table of READ_MODEL_TABLES) {
    db.exec(`DROP TABLE ${table}`);
    db.exec(`ALTER TABLE ${SHADOW_TABLES[table]} RENAME TO ${table}`);
  }
  for (const { sql } of indexes) db.exec(sql);
  db.prepare('DELETE FROM parked_events WHERE projection = ?').run(live);
  db.prepare('UPDATE parked_events SET projection = ? WHERE projection = ?').run(live, shadow);
  if (position > 0) writeCheckpoint(db, live, position);
  else db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(live);
  db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(shadow);
}

/** Drops a rebuild's shadow tables and forgets the shadow projection's parked events and checkpoint. */
export function dropShadowTables(db: Database.Database, shadow: string): void {
  for (const table of READ_MODEL_TABLES) db.exec(`DROP TABLE IF EXISTS ${SHADOW_TABLES[table]}`);
  db.prepare('DELETE FROM parked_events WHERE projection = ?').run(shadow);
  db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(shadow);
}
