import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error';
import { MediaErrors } from './media.errors';

export interface ReceivedFile {
  data: Buffer;
  /** As the client named it; informative only, never trusted for the type. */
  filename: string;
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
const tooLarge = (maxBytes: number) => MediaErrors.UPLOAD_TOO_LARGE.error(`图片过大，最大 ${megabytes(maxBytes)}，请压缩后再上传`);

/**
 * Reads the one file of a multipart upload. The plugin's limits (registered in bootstrap.ts) stop the
 * stream at `maxBytes`: an oversized file is refused while it streams in, never buffered whole.
 *
 * At the limit the parser truncates the file but would go on reading (and discarding) the request to
 * its end before toBuffer() settles, so a 50 MB upload would be answered after 50 MB. The 'limit'
 * event answers at once instead; the parser goes on discarding whatever the client still sends (kept
 * flowing, not destroyed: a stalled parser left the connection half-read and held the server open),
 * so the connection stays usable, and a client that stops on the 413 simply closes it.
 */
export async function receiveFile(request: FastifyRequest, maxBytes: number): Promise<ReceivedFile> {
  if (!request.isMultipart()) throw MediaErrors.UPLOAD_NOT_MULTIPART.error();
  try {
    const part = await request.file();
    if (!part) throw MediaErrors.UPLOAD_FILE_MISSING.error();
    const limitHit = new Promise<never>((_resolve, reject) => part.file.once('limit', () => reject(tooLarge(maxBytes))));
    const reading = part.toBuffer();
    // Whichever loses the race settles after the answer; its outcome no longer matters.
    limitHit.catch(() => undefined);
    reading.catch(() => undefined);
    return { data: await Promise.race([reading, limitHit]), filename: part.filename };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
    // Everything else that can fail here is the body itself: a broken boundary, a form cut short,
    // too many parts, a client that went away. Nothing of ours, so a 400 rather than a 500.
    throw MediaErrors.UPLOAD_MALFORMED.error();
  }
}
