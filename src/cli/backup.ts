import { chmodSync, closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGunzip, createGzip } from 'node:zlib';
import { sqlitePath, type LoadedConfig } from '../config.js';
import { copySqlite, sqliteInUse, sqliteProblem, sqliteSummary } from '../db/sqlite-files.js';
import { readTar, writeTar, type TarEntry } from '../shared/tar.js';

/**
 * `masthead backup <file>` and `masthead restore <file>`: one tar archive (gzipped when the name
 * ends in .gz or .tgz) holding a consistent copy of the SQLite database, taken by SQLite's online
 * backup API while the server runs, and the data dir (secret, outbox, uploads):
 *
 *   masthead-backup.json   what this is, when it was made
 *   masthead.db            the database
 *   data/…                 the data dir, without the database's own files
 *
 * PostgreSQL databases are backed up with pg_dump; both commands say how.
 */

const MANIFEST = 'masthead-backup.json';
const FORMAT = 'masthead-backup';

type Out = Pick<NodeJS.WriteStream, 'write'>;
interface Io { stdout: Out; stderr: Out }
const STD: Io = { stdout: process.stdout, stderr: process.stderr };

function usage(message: string): Error {
  return Object.assign(new Error(message), { usage: true });
}

function argsOf(args: string[], command: string): { file: string; force: boolean } {
  const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw usage(`usage: masthead ${command} <file.tar | file.tar.gz> [--force]`);
  return { file: resolve(positionals[0]!), force: values.force === true };
}

/** The database's own files, which the archive carries as masthead.db instead. */
const dbFiles = (dbPath: string) => [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`];

/** postgres://user:secret@host/db → postgres://user@host/db, for printing. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres://user@db-host:5432/masthead';
  }
}

function postgresAdvice(config: LoadedConfig, io: Io, command: 'backup' | 'restore'): number {
  const url = withoutPassword(config.databaseUrl);
  io.stderr.write(`masthead: ${command} handles SQLite; this publication is on PostgreSQL: ${command === 'backup' ? 'back it up with pg_dump' : 'restore a pg_dump with pg_restore'}:\n`);
  io.stderr.write(`  pg_dump --format=custom --file=masthead-$(date +%F).dump '${url}'\n`);
  io.stderr.write(`  pg_restore --clean --if-exists --no-owner --dbname='${url}' masthead-2026-01-31.dump   # stop every instance first\n`);
  io.stderr.write(`  The signing secret is in the dump (table instance_secrets) unless MASTHEAD_SECRET is set: then keep that with it.\n`);
  io.stderr.write(`  Without SMTP_URL, mail waits in ${join(config.dataDir, 'outbox')} on each instance: copy that folder too.\n`);
  return 1;
}

/** Every folder and regular file under `dir` (as archive names under `under/`), except `skip`. */
function* dataEntries(dir: string, under: string, skip: Set<string>): Generator<TarEntry> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (skip.has(path)) continue;
    const name = `${under}/${e.name}`;
    if (e.isDirectory()) {
      const st = statSync(path);
      yield { name, type: 'directory', mode: st.mode, mtimeMs: st.mtimeMs };
      yield* dataEntries(path, name, skip);
    } else if (e.isFile()) {
      const st = statSync(path);
      yield { name, type: 'file', mode: st.mode, mtimeMs: st.mtimeMs, path, size: st.size };
    }
  }
}

const gzipped = (file: string) => /\.(gz|tgz)$/i.test(file);

export async function backupCommand(args: string[], config: LoadedConfig, io: Io = STD): Promise<number> {
  const { file, force } = argsOf(args, 'backup');
  if (config.dialect === 'postgres') return postgresAdvice(config, io, 'backup');
  const dbPath = sqlitePath(config.databaseUrl);
  if (!existsSync(dbPath)) {
    io.stderr.write(`masthead: no database at ${dbPath}: nothing to back up (is MASTHEAD_DATA_DIR or DATABASE_URL right?)\n`);
    return 1;
  }
  if (existsSync(file) && !force) {
    io.stderr.write(`masthead: ${file} already exists; choose another name, or add --force to replace it\n`);
    return 1;
  }
  if (!existsSync(dirname(file))) {
    io.stderr.write(`masthead: the folder ${dirname(file)} does not exist\n`);
    return 1;
  }
  const partial = `${file}.partial`;
  // Beside the archive: the copy is as large as the database, and the temp folder may be small.
  const work = mkdtempSync(join(dirname(file), '.masthead-backup-'));
  try {
    const dbCopy = join(work, 'masthead.db');
    await copySqlite(dbPath, dbCopy);
    const summary = sqliteSummary(dbCopy);
    const skip = new Set([...dbFiles(dbPath), file, partial, work]);
    const files = [...dataEntries(config.dataDir, 'data', skip)];
    const now = Date.now();
    const manifest = { format: FORMAT, version: 1, createdAt: new Date(now).toISOString(), database: 'masthead.db', articles: summary.articles, members: summary.members, dataFiles: files.filter((f) => f.type === 'file').length };
    const entries: TarEntry[] = [
      { name: MANIFEST, type: 'file', mode: 0o644, mtimeMs: now, data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
      { name: 'masthead.db', type: 'file', mode: 0o600, mtimeMs: now, path: dbCopy, size: statSync(dbCopy).size },
      { name: 'data', type: 'directory', mode: 0o700, mtimeMs: now },
      ...files,
    ];
    // The archive holds the signing secret: readable by its owner only.
    const out = createWriteStream(partial, { mode: 0o600 });
    const head = gzipped(file) ? createGzip() : new PassThrough();
    const written = pipeline(head, out);
    await writeTar(head, entries);
    head.end();
    await written;
    const fd = openSync(partial, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, file);
    const mb = (statSync(file).size / 1e6).toFixed(1);
    io.stdout.write(`backed up ${dbPath} (${summary.articles} articles, ${summary.members} members) and ${manifest.dataFiles} files from ${config.dataDir} to ${file} (${mb} MB)\n`);
    if (process.env.MASTHEAD_SECRET) io.stdout.write('MASTHEAD_SECRET is set in the environment, so the archive does not hold the signing secret: keep it with the backup\n');
    return 0;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The archive as a stream of tar bytes, unzipped when it starts like gzip. */
function tarStream(file: string): Readable {
  const fd = openSync(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    readSync(fd, magic, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const raw = createReadStream(file);
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** An archive name as a safe relative path: no absolute paths, no way out through `..`. */
function safeName(name: string): string | null {
  const n = posix.normalize(name.replace(/^\.\//, ''));
  if (!n || n === '.' || n.startsWith('../') || n === '..' || isAbsolute(n) || n.includes('\\') || n.includes('\0')) return null;
  return n;
}

/** Copy the tree `from` into `to`, replacing files of the same name; other files in `to` stay. */
function copyTree(from: string, to: string, skip: Set<string>): number {
  let n = 0;
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (skip.has(dst)) continue;
    if (e.isDirectory()) n += copyTree(src, dst, skip);
    else if (e.isFile()) {
      copyFileSync(src, dst);
      chmodSync(dst, statSync(src).mode & 0o777);
      n++;
    }
  }
  return n;
}

export async function restoreCommand(args: string[], config: LoadedConfig, io: Io = STD): Promise<number> {
  const { file, force } = argsOf(args, 'restore');
  if (config.dialect === 'postgres') return postgresAdvice(config, io, 'restore');
  if (!existsSync(file)) {
    io.stderr.write(`masthead: no such file: ${file}\n`);
    return 1;
  }
  const dbPath = sqlitePath(config.databaseUrl);
  // The target first: refusing is cheap, and should come before reading a large archive.
  const inUse = sqliteInUse(dbPath);
  if (inUse && !force) {
    io.stderr.write(`masthead: ${dbPath} is open in another process (a running server?); stop it before restoring, or add --force to restore under it and restart it afterwards\n`);
    return 1;
  }
  if (existsSync(dbPath) && !force) {
    const s = sqliteSummary(dbPath);
    const empty = s.tables === 0 || (s.masthead && s.articles + s.members + s.staff === 0);
    if (!empty) {
      const what = s.masthead ? `a publication (${s.articles} articles, ${s.members} members, ${s.staff} staff)` : `${s.tables} tables that are not Masthead's`;
      io.stderr.write(`masthead: ${dbPath} already holds ${what}; add --force to replace it with the backup\n`);
      return 1;
    }
  }

  mkdirSync(dirname(dbPath), { recursive: true });
  const work = mkdtempSync(join(dirname(dbPath), '.masthead-restore-'));
  try {
    let manifest: { format?: string; version?: number; createdAt?: string } | undefined;
    let manifestBytes: Buffer[] = [];
    let handle: FileHandle | undefined;
    try {
      await readTar(tarStream(file), async (item) => {
        const name = safeName(item.name);
        if (!name) throw new Error(`the archive names a path outside its own folder (${item.name}); not restoring it`);
        if (name === MANIFEST && item.type === 'file') {
          manifestBytes = [];
          return (chunk) => void manifestBytes.push(Buffer.from(chunk));
        }
        const inArchive = name === 'masthead.db' || name === 'data' || name.startsWith('data/');
        if (!inArchive) return; // not ours: left out
        const dest = join(work, ...name.split('/'));
        if (item.type === 'directory') {
          mkdirSync(dest, { recursive: true });
          return;
        }
        mkdirSync(dirname(dest), { recursive: true });
        handle = await open(dest, 'w', item.mode & 0o777 || 0o600);
        const h = handle;
        return async (chunk) => void (await h.write(chunk));
      }, async (item) => {
        if (item.name === MANIFEST) manifest = JSON.parse(Buffer.concat(manifestBytes).toString('utf8')) as typeof manifest;
        else if (handle) {
          await handle.close();
          handle = undefined;
        }
      });
    } catch (err) {
      await handle?.close().catch(() => {});
      io.stderr.write(`masthead: cannot read ${file}: ${(err as Error).message.replace(/\s+/g, ' ')}; nothing was restored\n`);
      return 1;
    }
    if (manifest?.format !== FORMAT) {
      io.stderr.write(`masthead: ${file} is not a Masthead backup (it has no ${MANIFEST}); make one with \`masthead backup\`\n`);
      return 1;
    }
    if (manifest.version !== 1) {
      io.stderr.write(`masthead: ${file} is a backup of format version ${manifest.version}, newer than this Masthead reads; restore it with the version that made it\n`);
      return 1;
    }
    const dbCopy = join(work, 'masthead.db');
    if (!existsSync(dbCopy)) {
      io.stderr.write(`masthead: ${file} holds no database (masthead.db is missing)\n`);
      return 1;
    }
    const problem = sqliteProblem(dbCopy);
    if (problem) {
      io.stderr.write(`masthead: the database in ${file} is damaged (${problem}); nothing was restored\n`);
      return 1;
    }
    const summary = sqliteSummary(dbCopy);

    await copySqlite(dbCopy, dbPath);
    const extracted = join(work, 'data');
    const copied = existsSync(extracted) ? copyTree(extracted, config.dataDir, new Set(dbFiles(dbPath))) : 0;
    io.stdout.write(`restored ${dbPath} (${summary.articles} articles, ${summary.members} members, backed up ${manifest.createdAt ?? 'at an unknown time'}) and ${copied} files into ${config.dataDir}\n`);
    io.stdout.write(inUse ? 'a server had the database open: restart it now, its caches still hold the old publication\n' : 'start the server with `masthead start`\n');
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
