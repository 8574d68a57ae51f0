import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';

/**
 * Where media bytes live, by key. Small on purpose: a data-dir folder today; an S3-compatible
 * bucket is the next implementation (PUT/GET/DELETE object by key, the same keys), which is what
 * several instances on PostgreSQL need, since they share no disk.
 */
export interface MediaStore {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  /** A stream of the bytes and their length, or null when there is no such key. */
  stream(key: string): Promise<{ body: Readable; size: number } | null>;
  /** Deleting a key that is not there is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys the stores accept: what media keys and variant keys look like, and nothing that walks a path. */
const SAFE_KEY = /^[0-9a-z][0-9a-z.-]{0,120}$/;
function checked(key: string): string {
  if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`not a media key: ${JSON.stringify(key)}`);
  return key;
}

/** Files under <data dir>/media, two characters of the key as a folder so no folder grows huge. */
export class DataDirMediaStore implements MediaStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    checked(key);
    return join(this.root, key.slice(0, 2), key);
  }

  async put(key: string, data: Buffer, _contentType?: string): Promise<void> {
    const file = this.path(key);
    await mkdir(join(file, '..'), { recursive: true });
    // Written aside and renamed: a reader never sees half a file, and a crash leaves only a temp file.
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async stream(key: string): Promise<{ body: Readable; size: number } | null> {
    const file = this.path(key);
    try {
      const s = await stat(file);
      return { body: createReadStream(file), size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

export const mediaDir = (dataDir: string) => join(dataDir, 'media');
