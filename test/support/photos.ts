import sharp from 'sharp';
import { In } from 'typeorm';
import { Region } from '../../src/regions/region.entity';
import type { Session } from './auth';
import type { TestApp } from './test-app';

/** A small real image, generated (no fixture files): a coloured rectangle. */
export function generatedImage(format: 'png' | 'jpeg' | 'webp' = 'png', width = 32, height = 24): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .toFormat(format)
    .toBuffer();
}

/** Uploads a photo as `who` (multipart, as the mini-program does) and returns its id. */
export async function uploadPhoto(t: TestApp, who: Session, data?: Buffer, filename = 'photo.png'): Promise<string> {
  const response = await t.http
    .post('/api/v1/uploads')
    .set(who.auth)
    .attach('file', data ?? (await generatedImage()), filename);
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

/**
 * Lets claimers fulfil without evidence photos in these communities. Communities require them by
 * default (test/uploads.e2e-spec.ts covers that); suites about other things switch it off in setup.
 */
export async function allowFulfilWithoutPhotos(t: TestApp, ...communityIds: number[]): Promise<void> {
  await t.dataSource.getRepository(Region).update({ id: In(communityIds) }, { requireFulfilmentPhotos: false });
}
