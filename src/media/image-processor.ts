import sharp from 'sharp';
import { DomainError } from '../common/errors/domain-error';
import type { PhotoMime } from './upload.entity';
import { MediaErrors } from './media.errors';

export type ImageType = 'jpeg' | 'png' | 'webp';

/**
 * Decoding larger images is refused: a small, highly compressed file can expand to gigabytes of
 * pixels ("decompression bomb"). 100 MP covers the photos of every phone in use at their default
 * settings.
 */
const MAX_INPUT_PIXELS = 100_000_000;
const JPEG_QUALITY = 82;

/**
 * The type of an image by its first bytes (magic numbers), never by its name or declared type:
 * JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A 1A 0A`, WebP `RIFF····WEBP`.
 */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

export interface ProcessedPhoto {
  data: Buffer;
  mime: PhotoMime;
  width: number;
  height: number;
}

/**
 * Turns an uploaded file into the photo that is stored: checks that it is a JPEG, PNG or WebP by
 * content and that it decodes, applies the EXIF orientation, caps the long side, and re-encodes it.
 * Re-encoding drops every piece of metadata (EXIF with its GPS position, XMP, IPTC, comments) and
 * anything appended to the image data, so what is served back is pixels only.
 *
 * WebP is accepted but stored as JPEG (PNG when it has transparency): WeChat's image check takes
 * jpg/png/bmp/gif only, and every mini-program client shows both.
 */
export async function processPhoto(input: Buffer, maxSidePx: number): Promise<ProcessedPhoto> {
  const type = sniffImageType(input);
  if (!type) throw MediaErrors.UPLOAD_TYPE_REFUSED.error();

  const source = () => sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, animated: false });
  let hasAlpha: boolean;
  try {
    const metadata = await source().metadata();
    // A file that starts like a JPEG but decodes as something else is not what it claims to be.
    if (metadata.format !== type) throw MediaErrors.UPLOAD_TYPE_REFUSED.error();
    hasAlpha = Boolean(metadata.hasAlpha);
  } catch (error) {
    throw error instanceof DomainError ? error : MediaErrors.UPLOAD_UNREADABLE.error();
  }

  const asPng = type === 'png' || (type === 'webp' && hasAlpha);
  const pipeline = source().autoOrient().resize({ width: maxSidePx, height: maxSidePx, fit: 'inside', withoutEnlargement: true });
  try {
    const { data, info } = await (asPng ? pipeline.png() : pipeline.jpeg({ quality: JPEG_QUALITY })).toBuffer({ resolveWithObject: true });
    return { data, mime: asPng ? 'image/png' : 'image/jpeg', width: info.width, height: info.height };
  } catch {
    // Truncated or corrupt data is often only noticed while decoding the pixels.
    throw MediaErrors.UPLOAD_UNREADABLE.error();
  }
}
