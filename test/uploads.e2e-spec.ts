import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { IsNull } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { DAY, HOUR } from '../src/common/time/clock';
import { Upload } from '../src/media/upload.entity';
import { UploadSweeper } from '../src/media/upload-sweeper';
import { Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { expectError } from './support/errors';
import { generatedImage, uploadPhoto } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, newMember, WishWorld, wishBody } from './support/wish-world';

/** True when an EXIF block carries a GPS IFD (tag 0x8825 in IFD0). */
function hasGps(exif: Buffer): boolean {
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const ifd0 = le ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  for (let i = 0; i < u16(ifd0); i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}

/** A 3000×1500 JPEG as a phone writes it: camera EXIF with a GPS position. */
function phoneJpeg(width = 3000, height = 1500, orientation?: number): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestPhone', Model: 'Model X' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 59/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '113/1 7/1 3600/100' },
    });
  return (orientation ? image.withMetadata({ orientation }) : image).toBuffer();
}

/** Incompressible pixels: a PNG of several hundred KB. */
function noisyPng(size = 400): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

const MAX_BYTES = 256 * 1024;
const JSON_LIMIT = 64 * 1024;

describe.each(testDatabases())('photo uploads on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp(kind, 'uploads', {
      env: { UPLOAD_MAX_BYTES: String(MAX_BYTES), BODY_LIMIT_BYTES: String(JSON_LIMIT), RESIDENT_DAILY_SUBMISSIONS: '100', RESIDENT_OPEN_WISH_LIMIT: '100' },
    });
    w = await buildWishWorld(t);
    dir = t.app.get(AppConfig).media.dir;
  });
  afterAll(() => t?.close());

  const upload = (who: Session, data: Buffer, filename: string, contentType?: string) =>
    t.http.post('/api/v1/uploads').set(who.auth).attach('file', data, contentType ? { filename, contentType } : filename);
  // Images come back as a Buffer body, coded errors as JSON.
  const getPhoto = (who: Session, id: string) => t.http.get(`/api/v1/uploads/${id}`).set(who.auth);
  const submit = (who: Session, overrides: Record<string, unknown> = {}) => t.http.post('/api/v1/wishes').set(who.auth).send(wishBody(w.communityA1.id, overrides));
  const counts = async () => ({ rows: await t.dataSource.getRepository(Upload).count(), files: (await filesUnder(dir)).length });

  describe('what is stored', () => {
    it('strips EXIF with the GPS position and caps the long side at 2048 px', async () => {
      const original = await phoneJpeg();
      const before = await sharp(original).metadata();
      expect(hasGps(before.exif!)).toBe(true);

      const response = await upload(w.residentA, original, 'IMG_0001.JPG');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), url: `/api/v1/uploads/${response.body.id}`, mime: 'image/jpeg', width: 2048, height: 1024, status: 'pass' });

      const served = await getPhoto(w.residentA, response.body.id);
      expect(served.status).toBe(200);
      const after = await sharp(served.body as Buffer).metadata();
      expect({ format: after.format, width: after.width, height: after.height }).toEqual({ format: 'jpeg', width: 2048, height: 1024 });
      expect(after.exif).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      expect((served.body as Buffer).includes(Buffer.from('TestPhone'))).toBe(false);
      expect((served.body as Buffer).length).toBe(response.body.bytes);
    });

    it('applies the EXIF orientation before dropping it, and never enlarges a small photo', async () => {
      const response = await upload(w.residentA, await phoneJpeg(40, 20, 6), 'sideways.jpg');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ width: 20, height: 40 });
    });

    it('decides the type by content: a PNG named .pdf and declared application/pdf is a PNG', async () => {
      const response = await upload(w.residentA, await generatedImage('png'), 'scan.pdf', 'application/pdf');
      expect(response.status).toBe(201);
      expect(response.body.mime).toBe('image/png');
      const served = await getPhoto(w.residentA, response.body.id);
      expect(served.headers['content-type']).toBe('image/png');
    });

    it('takes a photo larger than the JSON body limit: uploads have their own (UPLOAD_MAX_BYTES)', async () => {
      const photo = await noisyPng(200);
      expect(photo.length).toBeGreaterThan(JSON_LIMIT);
      expect(photo.length).toBeLessThan(MAX_BYTES);
      const response = await upload(w.residentA, photo, 'noise.png');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ mime: 'image/png', width: 200, height: 200 });
    });

    it('stores a WebP as JPEG (WeChat checks jpg/png only)', async () => {
      const response = await upload(w.residentA, await generatedImage('webp'), 'photo.webp');
      expect(response.status).toBe(201);
      expect(response.body.mime).toBe('image/jpeg');
      const served = await getPhoto(w.residentA, response.body.id);
      expect((await sharp(served.body as Buffer).metadata()).format).toBe('jpeg');
    });
  });

  describe('what is refused, with nothing stored', () => {
    it('refuses a PHP script renamed .jpg and declared image/jpeg: 422 UPLOAD_TYPE_REFUSED', async () => {
      const before = await counts();
      const script = Buffer.from('<?php system($_GET["cmd"]); ?>\n');
      expectError(await upload(w.residentA, script, 'avatar.jpg', 'image/jpeg'), 422, 'UPLOAD_TYPE_REFUSED');
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1'), 'x.png'],
      ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'x.png'],
      ['an empty file', Buffer.alloc(0), 'x.jpg'],
    ])('refuses %s by content', async (_label, data, name) => {
      const before = await counts();
      expectError(await upload(w.residentA, data as Buffer, name as string, 'image/png'), 422, 'UPLOAD_TYPE_REFUSED');
      expect(await counts()).toEqual(before);
    });

    it('refuses a file that starts like a JPEG but does not decode: 422 UPLOAD_UNREADABLE', async () => {
      const before = await counts();
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x41)]);
      expectError(await upload(w.residentA, broken, 'broken.jpg'), 422, 'UPLOAD_UNREADABLE');
      const truncated = (await phoneJpeg(600, 400)).subarray(0, 1500);
      expectError(await upload(w.residentA, truncated, 'cut.jpg'), 422, 'UPLOAD_UNREADABLE');
      expect(await counts()).toEqual(before);
    });

    it('refuses an oversized file while it streams in: 413 UPLOAD_TOO_LARGE', async () => {
      const big = await noisyPng();
      expect(big.length).toBeGreaterThan(MAX_BYTES);
      const before = await counts();
      const response = await upload(w.residentA, big, 'big.png');
      expectError(response, 413, 'UPLOAD_TOO_LARGE');
      expect(response.body.message).toContain('0.3 MB');
      expect(await counts()).toEqual(before);
    });

    it('refuses a body that is not multipart (415), a form without a file (400), no token (401)', async () => {
      expectError(await t.http.post('/api/v1/uploads').set(w.residentA.auth).send({ file: 'abc' }), 415, 'UPLOAD_NOT_MULTIPART');
      expectError(await t.http.post('/api/v1/uploads').set(w.residentA.auth).field('note', 'no file here'), 400, 'UPLOAD_FILE_MISSING');
      expectError(await t.http.post('/api/v1/uploads').attach('file', await generatedImage(), 'a.png'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('reading back', () => {
    it('serves the owner with content type, private cache headers and an ETag that answers 304', async () => {
      const id = await uploadPhoto(t, w.residentA);
      const response = await getPhoto(w.residentA, id);
      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({
        'content-type': 'image/png',
        'cache-control': 'private, max-age=86400',
        etag: `"${id}"`,
        'x-content-type-options': 'nosniff',
      });
      const again = await t.http.get(`/api/v1/uploads/${id}`).set(w.residentA.auth).set('If-None-Match', `"${id}"`);
      expect(again.status).toBe(304);
      expect(again.text ?? '').toBe('');
    });

    it('an upload nobody attached is the owner\'s alone; malformed and unknown ids are 404', async () => {
      const id = await uploadPhoto(t, w.residentA);
      expectError(await getPhoto(w.residentB, id), 404, 'UPLOAD_NOT_FOUND');
      expectError(await getPhoto(w.adminA1, id), 404, 'UPLOAD_NOT_FOUND');
      expectError(await getPhoto(w.residentA, 'AAAAAAAAAAAAAAAAAAAAAA'), 404, 'UPLOAD_NOT_FOUND');
      expectError(await t.http.get('/api/v1/uploads/..%2F..%2Fetc%2Fpasswd').set(w.residentA.auth), 404, 'UPLOAD_NOT_FOUND');
      expectError(await t.http.get(`/api/v1/uploads/${id}`), 401, 'UNAUTHENTICATED');
    });

    it('a wish photo follows the wish\'s privacy: who may see the wish sees its photos', async () => {
      const id = await uploadPhoto(t, w.residentA);
      const submitted = await submit(w.residentA, { photoIds: [id] });
      expect(submitted.status).toBe(201);
      expect(submitted.body.photos).toEqual([{ id, url: `/api/v1/uploads/${id}` }]);
      const wishId = submitted.body.id;

      // pending review: members do not see the wish, so not its photos; the office in scope does
      expectError(await getPhoto(w.memberA1, id), 404, 'UPLOAD_NOT_FOUND');
      expect((await getPhoto(w.adminA1, id)).status).toBe(200);
      expect((await getPhoto(w.adminStreetA, id)).status).toBe(200);
      expectError(await getPhoto(w.adminA2, id), 404, 'UPLOAD_NOT_FOUND');

      await t.http.post(`/api/v1/admin/wishes/${wishId}/approve`).set(w.adminA1.auth).send({}).expect(200);
      expect((await getPhoto(w.memberA1, id)).status).toBe(200);
      expectError(await getPhoto(w.memberA2, id), 404, 'UPLOAD_NOT_FOUND');
      expectError(await getPhoto(w.residentB, id), 404, 'UPLOAD_NOT_FOUND');
      const wall = await t.http.get(`/api/v1/wishes?communityId=${w.communityA1.id}`).set(w.memberA1.auth);
      expect(wall.body.items.find((item: { id: number }) => item.id === wishId).photos).toEqual([{ id, url: `/api/v1/uploads/${id}` }]);
    });
  });

  describe('attaching to wishes', () => {
    it('refuses someone else\'s upload, an unknown one, or one already used, and stores nothing', async () => {
      const mine = await uploadPhoto(t, w.residentA);
      const theirs = await uploadPhoto(t, w.residentB);
      const used = await uploadPhoto(t, w.residentA);
      expect((await submit(w.residentA, { photoIds: [used] })).status).toBe(201);
      const wishes = await t.dataSource.getRepository(Wish).count();

      for (const photoIds of [[theirs], [mine, theirs], ['AAAAAAAAAAAAAAAAAAAAAA'], [mine, used]]) {
        expectError(await submit(w.residentA, { photoIds }), 422, 'UPLOAD_INVALID');
      }
      expect(await t.dataSource.getRepository(Wish).count()).toBe(wishes);
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: mine })).toMatchObject({ wishId: null, role: null });
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: theirs })).toMatchObject({ wishId: null });
    });

    it('takes up to 9 photos: 10 or a repeated id is a 400', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) ids.push(await uploadPhoto(t, w.residentB));
      const tooMany = await submit(w.residentB, { photoIds: [...ids, 'AAAAAAAAAAAAAAAAAAAAAB'] });
      expectError(tooMany, 400, 'VALIDATION_FAILED');
      expectError(await submit(w.residentB, { photoIds: [ids[0], ids[0]] }), 400, 'VALIDATION_FAILED');
      const nine = await submit(w.residentB, { photoIds: ids });
      expect(nine.status).toBe(201);
      expect(nine.body.photos.map((photo: { id: string }) => photo.id)).toEqual(ids);
      expect(await t.dataSource.getRepository(Upload).countBy({ wishId: nine.body.id, role: 'wish' })).toBe(9);
    });

    it('two submissions racing for one photo: exactly one gets it', async () => {
      const id = await uploadPhoto(t, w.residentA);
      const results = await Promise.all([submit(w.residentA, { photoIds: [id] }), submit(w.residentA, { photoIds: [id] })]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
      expect(await t.dataSource.getRepository(Wish).createQueryBuilder('w').where('w.photo_ids LIKE :id', { id: `%${id}%` }).getCount()).toBe(1);
    });
  });

  describe('fulfilment photos (反馈照片)', () => {
    async function claimedWish(member: Session = w.memberA1): Promise<number> {
      const created = await submit(w.residentA);
      await t.http.post(`/api/v1/admin/wishes/${created.body.id}/approve`).set(w.adminA1.auth).send({}).expect(200);
      await t.http.post(`/api/v1/wishes/${created.body.id}/claim`).set(member.auth).expect(200);
      return created.body.id;
    }
    const fulfil = (id: number, who: Session, body: object) => t.http.post(`/api/v1/wishes/${id}/fulfil`).set(who.auth).send(body);

    it('are required by default: a fulfilment without photos is 422 FULFIL_PHOTOS_REQUIRED and changes nothing', async () => {
      const id = await claimedWish();
      expectError(await fulfil(id, w.memberA1, { note: '已修好' }), 422, 'FULFIL_PHOTOS_REQUIRED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status).toBe('claimed');

      const photo = await uploadPhoto(t, w.memberA1);
      const done = await fulfil(id, w.memberA1, { note: '已修好', photoIds: [photo] });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: 'fulfilled', fulfilmentPhotos: [{ id: photo, url: `/api/v1/uploads/${photo}` }] });
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: photo })).toMatchObject({ wishId: id, role: 'fulfilment' });
      // the resident sees the evidence of their wish
      expect((await getPhoto(w.residentA, photo)).status).toBe(200);
      const detail = await t.http.get(`/api/v1/wishes/${id}`).set(w.residentA.auth);
      expect(detail.body.fulfilmentPhotos).toEqual([{ id: photo, url: `/api/v1/uploads/${photo}` }]);
    });

    it('must be the claimer\'s own uploads; a resident\'s wish photo cannot be reused as evidence', async () => {
      const id = await claimedWish();
      const residents = await uploadPhoto(t, w.residentA);
      expectError(await fulfil(id, w.memberA1, { note: '已修好', photoIds: [residents] }), 422, 'UPLOAD_INVALID');
      const wishPhoto = await uploadPhoto(t, w.memberA1);
      const ownWish = await submit(w.memberA1, { photoIds: [wishPhoto] });
      expect(ownWish.status).toBe(201);
      expectError(await fulfil(id, w.memberA1, { note: '已修好', photoIds: [wishPhoto] }), 422, 'UPLOAD_INVALID');
      expectError(await fulfil(id, w.memberA1, { note: '已修好', photoIds: [] }), 400, 'VALIDATION_FAILED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status).toBe('claimed');
    });

    it('after a dispute the same photos may be reported again, with new ones', async () => {
      const id = await claimedWish();
      const first = await uploadPhoto(t, w.memberA1);
      await fulfil(id, w.memberA1, { note: '修好了', photoIds: [first] }).expect(200);
      await t.http.post(`/api/v1/wishes/${id}/dispute`).set(w.residentA.auth).send({ reason: '还是不亮' }).expect(200);
      const second = await uploadPhoto(t, w.memberA1);
      const again = await fulfil(id, w.memberA1, { note: '换了整套灯具', photoIds: [first, second] });
      expect(again.status).toBe(200);
      expect(again.body.fulfilmentPhotos.map((photo: { id: string }) => photo.id)).toEqual([first, second]);
    });

    it('a community can turn the rule off (PATCH /admin/regions/:id)', async () => {
      const patched = await t.http.patch(`/api/v1/admin/regions/${w.communityA1.id}`).set(w.adminA1.auth).send({ requireFulfilmentPhotos: false });
      expect(patched.status).toBe(200);
      expect(patched.body.requireFulfilmentPhotos).toBe(false);
      const id = await claimedWish();
      expect((await fulfil(id, w.memberA1, { note: '已修好' })).status).toBe(200);
      await t.http.patch(`/api/v1/admin/regions/${w.communityA1.id}`).set(w.adminA1.auth).send({ requireFulfilmentPhotos: true }).expect(200);
      expectError(await t.http.patch(`/api/v1/admin/regions/${w.streetA.id}`).set(w.adminStreetA.auth).send({ requireFulfilmentPhotos: false }), 422, 'REGION_NOT_A_COMMUNITY');
    });
  });

  describe('orphan sweep', () => {
    it('removes uploads never attached after a day (row and file), keeps attached and recent ones', async () => {
      const sweeper = t.app.get(UploadSweeper);
      const member = await newMember(t, 'sweep-member', [w.communityA1.id], w.unitGov.id);
      const orphan = await uploadPhoto(t, member);
      const attached = await uploadPhoto(t, member);
      expect((await submit(member, { photoIds: [attached] })).status).toBe(201);
      const file = (id: string) => t.dataSource.getRepository(Upload).findOneByOrFail({ id }).then((u) => join(dir, u.storageKey));
      const orphanFile = await file(orphan);
      const attachedFile = await file(attached);

      t.clock.advance(23 * HOUR);
      const young = await uploadPhoto(t, member);
      await sweeper.deleteOrphans(t.clock.now());
      expect(await t.dataSource.getRepository(Upload).existsBy({ id: orphan })).toBe(true);

      t.clock.advance(2 * HOUR);
      expect(await sweeper.deleteOrphans(t.clock.now())).toBeGreaterThanOrEqual(1);
      expect(await t.dataSource.getRepository(Upload).existsBy({ id: orphan })).toBe(false);
      const files = await filesUnder(dir);
      expect(files).not.toContain(orphanFile);
      expect(files).toContain(attachedFile);
      expect(await t.dataSource.getRepository(Upload).existsBy({ id: attached })).toBe(true);
      expect(await t.dataSource.getRepository(Upload).existsBy({ id: young })).toBe(true);
      expectError(await getPhoto(member, orphan), 404, 'UPLOAD_NOT_FOUND');

      t.clock.advance(DAY);
      await sweeper.deleteOrphans(t.clock.now());
      expect(await t.dataSource.getRepository(Upload).existsBy({ id: young })).toBe(false);
      expect(await t.dataSource.getRepository(Upload).countBy({ wishId: IsNull() })).toBe(0);
    });
  });
});
