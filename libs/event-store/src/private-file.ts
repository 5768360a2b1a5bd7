import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Owner only: a data file is read and written by the ledger's own user, nobody else. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes ready an SQLite file that holds the ledger's data (events, read
 * models, checkpoints, a subscriber's view) before SQLite opens it: its
 * directory created 0700 if missing, the file created 0600 if missing, and a
 * file left 0644 by an older release (or its -wal and -shm) narrowed to 0600.
 * SQLite gives the -wal and -shm files it creates the mode of the database
 * file, so they follow. The process umask is left alone: the CLI's exports
 * and the files an operator asks for are theirs to share.
 *
 * An existing directory is not narrowed: DATA_DIR may be a mount point or a
 * folder shared with other things, which only its owner should decide on.
 */
export function preparePrivateFile(file: string): void {
  if (file === ':memory:') return;
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
