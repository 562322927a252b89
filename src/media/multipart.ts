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

/**
 * Reads the one file of a multipart upload. The plugin's limits (registered in bootstrap.ts) stop the
 * stream at `maxBytes`: an oversized file is refused while it streams in, never buffered whole.
 */
export async function receiveFile(request: FastifyRequest, maxBytes: number): Promise<ReceivedFile> {
  if (!request.isMultipart()) throw MediaErrors.UPLOAD_NOT_MULTIPART.error();
  try {
    const part = await request.file();
    if (!part) throw MediaErrors.UPLOAD_FILE_MISSING.error();
    return { data: await part.toBuffer(), filename: part.filename };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw MediaErrors.UPLOAD_TOO_LARGE.error(`图片过大，最大 ${megabytes(maxBytes)}，请压缩后再上传`);
    }
    // Everything else that can fail here is the body itself: a broken boundary, a form cut short,
    // too many parts, a client that went away. Nothing of ours, so a 400 rather than a 500.
    throw MediaErrors.UPLOAD_MALFORMED.error();
  }
}
