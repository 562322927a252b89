import sharp from 'sharp';
import { DomainError } from '../common/errors/domain-error';
import { processPhoto, sniffImageType } from './image-processor';

const image = (format: 'png' | 'jpeg' | 'webp', width = 16, height = 8, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).toFormat(format).toBuffer();

describe('image processor', () => {
  it('recognises JPEG, PNG and WebP by their first bytes only', async () => {
    expect(sniffImageType(await image('jpeg'))).toBe('jpeg');
    expect(sniffImageType(await image('png'))).toBe('png');
    expect(sniffImageType(await image('webp'))).toBe('webp');
    for (const other of ['GIF89a……', '<?php echo 1; ?>', '<svg/>', 'RIFF\0\0\0\0WAVEfmt ', '%PDF-1.7', '']) {
      expect(sniffImageType(Buffer.from(other, 'latin1'))).toBeUndefined();
    }
  });

  it('refuses a file whose content is not what its first bytes claim', async () => {
    const png = await image('png');
    const jpegHeaderOnPng = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), png]);
    await expect(processPhoto(jpegHeaderOnPng, 2048)).rejects.toBeInstanceOf(DomainError);
  });

  it('keeps PNG as PNG, turns WebP into JPEG, or PNG when it has transparency', async () => {
    expect((await processPhoto(await image('png'), 2048)).mime).toBe('image/png');
    expect((await processPhoto(await image('webp'), 2048)).mime).toBe('image/jpeg');
    expect((await processPhoto(await image('webp', 16, 8, 4), 2048)).mime).toBe('image/png');
  });

  it('caps the long side, portrait or landscape, keeping the aspect ratio', async () => {
    expect(await processPhoto(await image('jpeg', 4000, 1000), 1000)).toMatchObject({ width: 1000, height: 250 });
    expect(await processPhoto(await image('png', 300, 1200), 600)).toMatchObject({ width: 150, height: 600 });
  });
});
