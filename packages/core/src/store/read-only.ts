// The store opened to be read only, as `list` and `show` open it when no
// engine owns the data directory: nothing is created, migrated or written, so
// a read-only disk or a directory the user may not write still shows its history.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const CANNOT_WRITE = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY']);

/**
 * Opens `file` read-only. SQLite reads a WAL database through its `-shm` file, which it must be
 * able to create: in a directory it cannot write, the database and its WAL (what a killed
 * engine had not checkpointed) are copied to a temporary folder, where SQLite folds the WAL in
 * (journal_mode DELETE: an in-memory WAL database cannot be read), and held in memory; the copy
 * is gone before this returns.
 */
export function openReadOnly(file: string): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // SQLite opens lazily: the first read is what meets the -shm it cannot create.
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    return db;
  } catch (error) {
    if (!CANNOT_WRITE.has(String((error as { code?: unknown }).code)) || !existsSync(file)) throw error;
  }
  const dir = mkdtempSync(join(tmpdir(), 'threadline-read-'));
  try {
    const copy = join(dir, 'threadline.db');
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const onDisk = new Database(copy);
    onDisk.pragma('journal_mode = DELETE');
    try {
      return new Database(onDisk.serialize(), { readonly: true });
    } finally {
      onDisk.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
