import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY, FakeClock, MINUTE } from '../src/common/time/clock';
import { Upload } from '../src/media/upload.entity';
import { UploadSweeper } from '../src/media/upload-sweeper';
import { User } from '../src/users/user.entity';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { Wish } from '../src/wishes/wish.entity';
import { devLogin, Session } from './support/auth';
import { expectError } from './support/errors';
import { FakeWechat } from './support/fake-wechat';
import { allowFulfilWithoutPhotos, generatedImage, uploadPhoto } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

const PUSH_TOKEN = 'PushToken2026';
const PUBLIC_BASE_URL = 'https://wish.example.org';
/** Text the fake WeChat judges: see FakeWechat.judgeText. */
const WECHAT_RISKY = '违规内容样例';
const WECHAT_REVIEW = '需要人工复核';
/** From the built-in list (src/content/sensitive-words.txt). */
const BUILT_IN_WORD = '刷单';

/**
 * Content security (WeChat requires it for user text and photos): the local sensitive-word list,
 * msgSecCheck v2 with every answer WeChat can give, and the photo check whose verdict WeChat pushes
 * to /wechat/callback. Runs against the fake WeChat, with MEDIA_CHECK=wechat.
 */
describe.each(testDatabases())('content security on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let fake: FakeWechat;
  let wordsDir: string;
  let extraWords: string;

  beforeAll(async () => {
    const clock = new FakeClock();
    fake = await new FakeWechat(clock).start();
    fake.judgeText(WECHAT_RISKY, 'risky', 20002);
    fake.judgeText(WECHAT_REVIEW, 'review', 21000);
    wordsDir = await mkdtemp(join(tmpdir(), 'wish-words-'));
    extraWords = join(wordsDir, 'office-words.txt');
    await writeFile(extraWords, '# 永安社区补充词表\n小区群代购返利\n');
    t = await startTestApp(kind, 'content', {
      clock,
      env: {
        ...fake.env(),
        CONTENT_EXTRA_WORDS_FILE: extraWords,
        MEDIA_CHECK: 'wechat',
        PUBLIC_BASE_URL,
        WECHAT_PUSH_TOKEN: PUSH_TOKEN,
        RESIDENT_DAILY_SUBMISSIONS: '1000',
        RESIDENT_OPEN_WISH_LIMIT: '1000',
        CLAIM_LIMIT: '50',
      },
    });
    w = await buildWishWorld(t);
    // Submissions in A2 are published at once unless the content check says otherwise.
    await t.http.patch(`/api/v1/admin/regions/${w.communityA2.id}`).set(w.adminA2.auth).send({ autoApprove: true }).expect(200);
    await allowFulfilWithoutPhotos(t, w.communityA1.id, w.communityA2.id);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await rm(wordsDir, { recursive: true, force: true });
  });

  const post = (path: string, who: Session, body: object = {}) => t.http.post(`/api/v1${path}`).set(who.auth).send(body);
  const wishCount = () => t.dataSource.getRepository(Wish).count();
  const secChecks = () => fake.callsTo('msg_sec_check').length;
  const events = (wishId: number) => t.dataSource.getRepository(WishEvent).find({ where: { wishId }, order: { id: 'ASC' } });
  const submitA2 = (who: Session, overrides: Record<string, unknown> = {}) => post('/wishes', who, wishBody(w.communityA2.id, overrides));

  async function fulfilledWish(): Promise<number> {
    const id = (await submitA2(w.residentA)).body.id;
    await post(`/wishes/${id}/claim`, w.memberA2).expect(200);
    await post(`/wishes/${id}/fulfil`, w.memberA2, { note: '已完成' }).expect(200);
    return id;
  }

  describe('wish text at submission', () => {
    it('refuses a word of the local list with 422 CONTENT_REJECTED, stores nothing, and does not ask WeChat', async () => {
      const [wishes, checks] = [await wishCount(), secChecks()];
      for (const overrides of [{ title: `兼职${BUILT_IN_WORD}日结` }, { description: `加我微信，${BUILT_IN_WORD.split('').join(' ')}，一单一结` }]) {
        expectError(await submitA2(w.residentA, overrides), 422, 'CONTENT_REJECTED');
      }
      expect(await wishCount()).toBe(wishes);
      expect(secChecks()).toBe(checks);
    });

    it('uses the office\'s own word file too, and picks up words added to it', async () => {
      expectError(await submitA2(w.residentA, { description: '欢迎加入小区群代购返利' }), 422, 'CONTENT_REJECTED');
      expect((await submitA2(w.residentA, { description: '楼下新开了一家修鞋铺' })).status).toBe(201);
      await appendFile(extraWords, '修鞋铺广告\n');
      t.clock.advance(2 * MINUTE);
      expectError(await submitA2(w.residentA, { description: '楼下修鞋铺广告，电话多少' }), 422, 'CONTENT_REJECTED');
    });

    it('refuses what WeChat calls risky (errcode 0, result.suggest risky), storing nothing', async () => {
      const [wishes, checks] = [await wishCount(), secChecks()];
      expectError(await submitA2(w.residentA, { description: `请帮忙：${WECHAT_RISKY}` }), 422, 'CONTENT_REJECTED');
      expect(await wishCount()).toBe(wishes);
      expect(secChecks()).toBe(checks + 1);
      const call = fake.callsTo('msg_sec_check').at(-1)!;
      expect(call.body).toMatchObject({ version: 2, openid: 'dev:resident-a', scene: 3, content: `请帮忙：${WECHAT_RISKY}`, title: expect.any(String) });
      expect(call.query.access_token).toBe(fake.token);
    });

    it('publishes text WeChat passes in an auto-approve community', async () => {
      const response = await submitA2(w.residentA);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('open');
      expect((await events(response.body.id)).map((e) => e.action)).toEqual(['submit', 'auto_approve']);
    });

    it('holds text WeChat wants reviewed for the office, even in an auto-approve community, and says why in the event', async () => {
      const response = await submitA2(w.residentA, { description: `${WECHAT_REVIEW}的内容` });
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending_review');
      const [submitted, ...rest] = await events(response.body.id);
      expect(rest).toEqual([]);
      expect(submitted.detail).toEqual({ channel: 'mini_program', contentCheck: { verdict: 'review', by: 'wechat', label: 21000 } });
    });

    it('61010 (the user has not opened the mini-program within 2 hours): held for review', async () => {
      fake.failNext('msg_sec_check', 61010, 1, 'user not visit in 2 hours');
      const response = await submitA2(w.residentA);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending_review');
      expect((await events(response.body.id))[0].detail).toMatchObject({ contentCheck: { verdict: 'review', by: 'unchecked', reason: 'user_not_recent' } });
    });

    it('-1 (system busy): retried with backoff, then held for review — never published unchecked', async () => {
      const before = secChecks();
      fake.failNext('msg_sec_check', -1, 3, 'system busy');
      const response = await submitA2(w.residentA);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending_review');
      expect(secChecks() - before).toBe(3);
      expect((await events(response.body.id))[0].detail).toMatchObject({ contentCheck: { reason: 'wechat_unavailable' } });
    });

    it('a busy answer followed by a verdict: the retry gets it', async () => {
      fake.failNext('msg_sec_check', -1, 1);
      const response = await submitA2(w.residentA);
      expect(response.body.status).toBe('open');
    });

    it('5xx from WeChat: held for review', async () => {
      fake.httpErrorNext('msg_sec_check', 502, 3);
      const response = await submitA2(w.residentA);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending_review');
    });

    it('40001 (token not valid any more): the token is fetched again and the check retried once', async () => {
      const tokens = fake.callsTo('stable_token').length;
      fake.revokeTokens();
      const response = await submitA2(w.residentA);
      expect(response.body.status).toBe('open');
      expect(fake.callsTo('stable_token').length).toBe(tokens + 1);
      const [refused, retried] = fake.callsTo('msg_sec_check').slice(-2);
      expect(refused.query.access_token).not.toBe(retried.query.access_token);
    });

    it('an office\'s offline entry is checked against the local list only, and never published when it hits', async () => {
      const [wishes, checks] = [await wishCount(), secChecks()];
      const offline = (title: string) =>
        post('/admin/wishes', w.adminA2, { ...wishBody(w.communityA2.id, { title }), resident: { name: '王秀英', phone: '13700002222', address: '甲二社区 12 号楼' } });
      expectError(await offline(`代为${BUILT_IN_WORD}`), 422, 'CONTENT_REJECTED');
      expect(await wishCount()).toBe(wishes);
      expect((await offline('增设老年休闲座椅')).body.status).toBe('open');
      expect(secChecks()).toBe(checks);
    });
  });

  describe('editing', () => {
    it('refuses a risky edit and keeps the old text', async () => {
      const id = (await submitA2(w.residentA, { title: '原来的标题' })).body.id;
      expectError(await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ title: `新的${BUILT_IN_WORD}` }), 422, 'CONTENT_REJECTED');
      expectError(await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ description: WECHAT_RISKY }), 422, 'CONTENT_REJECTED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).title).toBe('原来的标题');
      expect((await events(id)).map((e) => e.action)).toEqual(['submit', 'auto_approve']);
    });

    it('an edit WeChat wants reviewed takes a published wish back to pending_review', async () => {
      const id = (await submitA2(w.residentA)).body.id;
      const edited = await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ description: `补充：${WECHAT_REVIEW}` });
      expect(edited.status).toBe(200);
      expect(edited.body.status).toBe('pending_review');
      const log = await events(id);
      expect(log.map((e) => [e.action, e.fromStatus, e.toStatus, e.actorKind])).toEqual([
        ['submit', null, 'pending_review', 'resident'],
        ['auto_approve', 'pending_review', 'open', 'system'],
        ['edit', 'open', 'open', 'resident'],
        ['hold_for_review', 'open', 'pending_review', 'system'],
      ]);
      expect(log[3].detail).toMatchObject({ contentCheck: { verdict: 'review', by: 'wechat' } });
      // members no longer see it until the office approves it again
      expect((await t.http.get(`/api/v1/wishes/${id}`).set(w.memberA2.auth)).status).toBe(404);
      await post(`/admin/wishes/${id}/approve`, w.adminA2).expect(200);
      expect((await t.http.get(`/api/v1/wishes/${id}`).set(w.memberA2.auth)).status).toBe(200);
    });
  });

  describe('comments, notes and reasons', () => {
    it('refuses a risky rating comment; the wish stays fulfilled', async () => {
      const id = await fulfilledWish();
      expectError(await post(`/wishes/${id}/confirm`, w.residentA, { rating: 5, comment: `好评，${BUILT_IN_WORD}找我` }), 422, 'CONTENT_REJECTED');
      expectError(await post(`/wishes/${id}/confirm`, w.residentA, { rating: 5, comment: WECHAT_RISKY }), 422, 'CONTENT_REJECTED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status).toBe('fulfilled');
      const call = fake.callsTo('msg_sec_check').at(-1)!;
      expect(call.body).toMatchObject({ scene: 2, content: WECHAT_RISKY });
      expect((await post(`/wishes/${id}/confirm`, w.residentA, { rating: 5, comment: '谢谢！' })).status).toBe(200);
    });

    it('refuses risky reasons: release, dispute, withdraw, and an office\'s reject and cancel', async () => {
      const claimed = (await submitA2(w.residentA)).body.id;
      await post(`/wishes/${claimed}/claim`, w.memberA2).expect(200);
      expectError(await post(`/wishes/${claimed}/release`, w.memberA2, { reason: WECHAT_RISKY }), 422, 'CONTENT_REJECTED');
      expectError(await post(`/wishes/${claimed}/withdraw`, w.residentA, { reason: `不要了，${BUILT_IN_WORD}` }), 422, 'CONTENT_REJECTED');
      expectError(await post(`/admin/wishes/${claimed}/cancel`, w.adminA2, { reason: `重复，${BUILT_IN_WORD}` }), 422, 'CONTENT_REJECTED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id: claimed })).status).toBe('claimed');

      const fulfilled = await fulfilledWish();
      expectError(await post(`/wishes/${fulfilled}/dispute`, w.residentA, { reason: WECHAT_RISKY }), 422, 'CONTENT_REJECTED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id: fulfilled })).status).toBe('fulfilled');

      const pending = (await post('/wishes', w.residentA, wishBody(w.communityA1.id))).body.id;
      expectError(await post(`/admin/wishes/${pending}/reject`, w.adminA1, { reason: `不予通过 ${BUILT_IN_WORD}` }), 422, 'CONTENT_REJECTED');
      expect((await post(`/admin/wishes/${pending}/reject`, w.adminA1, { reason: '不属于微心愿范围' })).status).toBe(200);
    });

    it('refuses a risky fulfilment note', async () => {
      const id = (await submitA2(w.residentA)).body.id;
      await post(`/wishes/${id}/claim`, w.memberA2).expect(200);
      expectError(await post(`/wishes/${id}/fulfil`, w.memberA2, { note: `已送达，顺便${BUILT_IN_WORD}` }), 422, 'CONTENT_REJECTED');
      expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status).toBe('claimed');
    });

    it('a comment WeChat wants reviewed, or that WeChat could not check, is accepted (a comment has no review state)', async () => {
      const id = await fulfilledWish();
      fake.failNext('msg_sec_check', 61010);
      expect((await post(`/wishes/${id}/confirm`, w.residentA, { rating: 4, comment: '满意' })).status).toBe(200);
    });
  });

  describe('photos: mediaCheckAsync and the pushed verdict', () => {
    function signedQuery(at = t.clock.now(), token = PUSH_TOKEN) {
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const nonce = String(randomBytes(4).readUInt32BE());
      const signature = createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
      return { signature, timestamp, nonce };
    }
    const verdict = (traceId: string, suggest: string, label = suggest === 'pass' ? 100 : 20002) => ({
      ToUserName: 'gh_38cc49f9733b',
      FromUserName: 'oUMsu0TUCr6tqdkbPBCzZ4vQ8jNs',
      CreateTime: Math.floor(t.clock.now().getTime() / 1000),
      MsgType: 'event',
      Event: 'wxa_media_check',
      appid: fake.appId,
      trace_id: traceId,
      version: 2,
      detail: [{ strategy: 'content_model', errcode: 0, suggest, label, prob: 90 }],
      errcode: 0,
      errmsg: 'ok',
      result: { suggest, label },
    });
    const push = (body: object, query = signedQuery()) => t.http.post('/api/v1/wechat/callback').query(query).send(body);
    const traceOf = (uploadId: string) => fake.mediaChecks.find((check) => check.mediaUrl.includes(`/uploads/${uploadId}/`))!.traceId;
    const photoStatus = async (id: string) => (await t.dataSource.getRepository(Upload).findOneByOrFail({ id })).status;

    it('sends each upload to WeChat with a signed public URL that serves the photo, without a token, while it is pending', async () => {
      const response = await t.http.post('/api/v1/uploads').set(w.residentA.auth).attach('file', await generatedImage('jpeg'), 'a.jpg');
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending');
      const check = fake.mediaChecks.at(-1)!;
      expect(check).toMatchObject({ openid: 'dev:resident-a', scene: 3, traceId: expect.any(String) });
      expect(check.mediaUrl.startsWith(`${PUBLIC_BASE_URL}/api/v1/uploads/${response.body.id}/check-copy?`)).toBe(true);
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: response.body.id })).toMatchObject({ status: 'pending', traceId: check.traceId });

      const path = check.mediaUrl.slice(PUBLIC_BASE_URL.length);
      const fetched = await t.http.get(path);
      expect(fetched.status).toBe(200);
      expect(fetched.headers['content-type']).toBe('image/jpeg');
      expect(fetched.headers['cache-control']).toBe('no-store');
      expectError(await t.http.get(path.replace(/signature=[^&]+/, 'signature=forged')), 404, 'UPLOAD_NOT_FOUND');
      expectError(await t.http.get(path.replace(response.body.id, await uploadPhoto(t, w.residentA))), 404, 'UPLOAD_NOT_FOUND');

      await push(verdict(check.traceId, 'pass')).expect(200);
      expectError(await t.http.get(path), 404, 'UPLOAD_NOT_FOUND'); // checked: no longer exposed
    });

    it('a photo stays hidden from others until WeChat passes it; a repeated push changes nothing', async () => {
      const photo = await uploadPhoto(t, w.residentA);
      const wish = await submitA2(w.residentA, { photoIds: [photo] });
      expect(wish.body.status).toBe('open');
      expect(wish.body.photos).toEqual([{ id: photo, url: `/api/v1/uploads/${photo}` }]); // the owner sees it

      const asMember = () => t.http.get(`/api/v1/wishes/${wish.body.id}`).set(w.memberA2.auth);
      expect((await asMember()).body.photos).toEqual([]);
      expectError(await t.http.get(`/api/v1/uploads/${photo}`).set(w.memberA2.auth), 404, 'UPLOAD_NOT_FOUND');
      expect((await t.http.get(`/api/v1/uploads/${photo}`).set(w.adminA2.auth)).status).toBe(200);
      expect((await t.http.get(`/api/v1/wishes/${wish.body.id}`).set(w.adminA2.auth)).body.photos).toHaveLength(1);

      const pushed = await push(verdict(traceOf(photo), 'pass'));
      expect(pushed.status).toBe(200);
      expect(pushed.text).toBe('success');
      expect(await photoStatus(photo)).toBe('pass');
      expect((await asMember()).body.photos).toEqual([{ id: photo, url: `/api/v1/uploads/${photo}` }]);
      expect((await t.http.get(`/api/v1/uploads/${photo}`).set(w.memberA2.auth)).status).toBe(200);

      // WeChat repeats pushes: the same trace_id again (even with another verdict) is acknowledged and ignored
      const repeated = await push(verdict(traceOf(photo), 'risky'));
      expect(repeated.status).toBe(200);
      expect(repeated.text).toBe('success');
      expect(await photoStatus(photo)).toBe('pass');
    });

    it('a risky photo is never shown to others; its owner and the office still see it', async () => {
      const photo = await uploadPhoto(t, w.residentA);
      const wish = await submitA2(w.residentA, { photoIds: [photo] });
      await push(verdict(traceOf(photo), 'risky')).expect(200);
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: photo })).toMatchObject({ status: 'risky', checkLabel: 20002 });
      expect((await t.http.get(`/api/v1/wishes/${wish.body.id}`).set(w.memberA2.auth)).body.photos).toEqual([]);
      expectError(await t.http.get(`/api/v1/uploads/${photo}`).set(w.memberA2.auth), 404, 'UPLOAD_NOT_FOUND');
      expect((await t.http.get(`/api/v1/uploads/${photo}`).set(w.residentA.auth)).status).toBe(200);
      expect((await t.http.get(`/api/v1/uploads/${photo}`).set(w.adminA2.auth)).status).toBe(200);
    });

    it('a push WeChat could not complete (errcode ≠ 0) holds the photo for review', async () => {
      const photo = await uploadPhoto(t, w.residentA);
      await push({ ...verdict(traceOf(photo), 'pass'), errcode: 87015, errmsg: 'media download failed', result: undefined }).expect(200);
      expect(await photoStatus(photo)).toBe('review');
    });

    it('refuses a push with a wrong signature, a wrong token or a stale timestamp, changing nothing', async () => {
      const photo = await uploadPhoto(t, w.residentA);
      const body = verdict(traceOf(photo), 'pass');
      expectError(await push(body, { ...signedQuery(), signature: 'f'.repeat(40) }), 403, 'WECHAT_PUSH_SIGNATURE_INVALID');
      expectError(await push(body, signedQuery(t.clock.now(), 'another-token')), 403, 'WECHAT_PUSH_SIGNATURE_INVALID');
      expectError(await push(body, { nonce: '1', timestamp: '2' } as never), 403, 'WECHAT_PUSH_SIGNATURE_INVALID');
      expectError(await push(body, signedQuery(new Date(t.clock.now().getTime() - 6 * MINUTE))), 403, 'WECHAT_PUSH_STALE');
      expect(await photoStatus(photo)).toBe('pending');
      // within the window a slightly old push is fine
      await push(body, signedQuery(new Date(t.clock.now().getTime() - 4 * MINUTE))).expect(200);
      expect(await photoStatus(photo)).toBe('pass');
    });

    it('acknowledges events it does not handle and trace_ids it does not know', async () => {
      expect((await push({ MsgType: 'event', Event: 'subscribe_msg_popup_event' })).text).toBe('success');
      expect((await push(verdict('trace-unknown', 'risky'))).text).toBe('success');
    });

    it('answers WeChat\'s URL check (GET with echostr) only when signed', async () => {
      const ok = await t.http.get('/api/v1/wechat/callback').query({ ...signedQuery(), echostr: '4375120948345356249' });
      expect(ok.status).toBe(200);
      expect(ok.text).toBe('4375120948345356249');
      expectError(await t.http.get('/api/v1/wechat/callback').query({ ...signedQuery(), signature: 'x', echostr: '1' }), 403, 'WECHAT_PUSH_SIGNATURE_INVALID');
    });

    it('a check WeChat did not accept is sent again by the sweep; the photo stays hidden meanwhile', async () => {
      fake.failNext('media_check_async', -1, 3);
      const photo = await uploadPhoto(t, w.residentA);
      expect(await t.dataSource.getRepository(Upload).findOneByOrFail({ id: photo })).toMatchObject({ status: 'pending', traceId: null });
      await t.app.get(UploadSweeper).sweep();
      const traceId = (await t.dataSource.getRepository(Upload).findOneByOrFail({ id: photo })).traceId;
      expect(traceId).toBe(traceOf(photo));
    });

    it('photos of accounts without a WeChat openid (office staff on the web) are not sent and pass', async () => {
      const staff = await devLogin(t.http, 'web-staff', [{ role: 'community_admin', regionId: w.communityA1.id }]);
      await t.dataSource.getRepository(User).update({ id: staff.userId }, { openid: null, username: 'web-staff' });
      const sent = fake.mediaChecks.length;
      const response = await t.http.post('/api/v1/uploads').set(staff.auth).attach('file', await generatedImage(), 'a.png');
      expect(response.body.status).toBe('pass');
      expect(fake.mediaChecks.length).toBe(sent);
    });

    it('the signed URL runs out after a day', async () => {
      const photo = await uploadPhoto(t, w.residentA);
      const path = fake.mediaChecks.find((check) => check.traceId === traceOf(photo))!.mediaUrl.slice(PUBLIC_BASE_URL.length);
      expect((await t.http.get(path)).status).toBe(200);
      t.clock.advance(DAY + MINUTE);
      expectError(await t.http.get(path), 404, 'UPLOAD_NOT_FOUND');
    });
  });
});
