// The server's token, Jupyter's way: generated once and kept in the data
// directory (mode 0600), so `threadline serve` asks for it on loopback too
// and the commands of the user who owns the directory find it there, while
// another local user (who can reach 127.0.0.1 but not the file) cannot.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';

/** Where a data directory keeps its server's token. */
export const tokenPath = (dataDir: string): string => join(dataDir, TOKEN_FILE);

/** A new token: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** The token in `file` (surrounding whitespace dropped); throws when it is missing or empty. */
export function readTokenFile(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (!token) throw new Error(`${file} is empty: it should hold the server's token`);
  return token;
}

/** The data directory's token, or undefined when it has none (or it cannot be read). */
export function readDataDirToken(dataDir: string): string | undefined {
  try {
    return readTokenFile(tokenPath(dataDir));
  } catch {
    return undefined;
  }
}

/** The data directory's token, made (mode 0600) the first time. */
export function dataDirToken(dataDir: string): string {
  const file = tokenPath(dataDir);
  const kept = readDataDirToken(dataDir);
  if (kept !== undefined) {
    // A copy restored with looser permissions would let other users read it.
    chmodSync(file, 0o600);
    return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  // Written whole under a temporary name, then linked: a reader never sees a half-written token,
  // and of two servers making one at once, one link wins and both use its token.
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${newToken()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return readTokenFile(file);
}
