import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where photo bytes live. The service only ever puts, reads and deletes whole objects by key, so an
 * object store (COS, OSS, S3) can take the place of the local disk by implementing these three.
 */
export abstract class PhotoStorage {
  abstract put(key: string, data: Buffer, mime: string): Promise<void>;
  /** The object's bytes as a stream, or null when there is no such object. */
  abstract get(key: string): Promise<Readable | null>;
  /** Removes the object; a missing object is not an error (deletes are retried by the sweep). */
  abstract delete(key: string): Promise<void>;
}

/** Photos as files under one folder (UPLOAD_DIR), written atomically (temporary file, then rename). */
export class LocalDiskStorage extends PhotoStorage {
  private readonly root: string;

  constructor(dir: string) {
    super();
    this.root = resolve(dir);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, data, { flag: 'wx' });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable | null> {
    try {
      // Open first, so a missing file is a null here rather than an error in the middle of a response.
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Keys are made by the service, but a key must still never reach outside the folder. */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`storage key outside the upload folder: ${key}`);
    return path;
  }
}
