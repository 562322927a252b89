import { AppConfig } from '../src/config/app-config';
import { FieldCipher } from '../src/common/crypto/field-cipher';
import { FakeClock, HOUR, MINUTE } from '../src/common/time/clock';
import { TransactionRunner } from '../src/database/transaction-runner';
import { WechatApiError, WechatClient } from '../src/wechat/wechat.client';
import { WechatToken } from '../src/wechat/wechat-token.entity';
import { WechatTokenService } from '../src/wechat/wechat-token.service';
import { FakeWechat } from './support/fake-wechat';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

const message = (n: number) => ({ touser: `o-token-${n}`, templateId: 'tmpl-token-test-01', data: { thing1: { value: `消息 ${n}` } } });

describe.each(testDatabases())('WeChat access token on %s', (kind) => {
  const clock = new FakeClock('2026-03-01T02:00:00.000Z');
  const wechat = new FakeWechat(clock);
  let t: TestApp;
  let tokens: WechatTokenService;
  let client: WechatClient;

  /** Another instance of the service on the same database (its own memory, its own lease name). */
  const secondInstance = () =>
    new WechatTokenService(client, t.dataSource, t.app.get(TransactionRunner), clock, t.app.get(FieldCipher), t.app.get(AppConfig));
  const row = () => t.dataSource.getRepository(WechatToken).findOneByOrFail({ appId: wechat.appId });
  const stableTokenCalls = () => wechat.callsTo('stable_token').length;

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'wechat-token', { clock, env: { ...wechat.env(), WECHAT_RETRIES: '0', WECHAT_TOKEN_POLL_MS: '5' } });
    tokens = t.app.get(WechatTokenService);
    client = t.app.get(WechatClient);
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });
  beforeEach(() => {
    wechat.delay('stable_token', 0);
  });

  it('fetches the token once (not forced), keeps it encrypted in the shared row, and reuses it', async () => {
    const first = await tokens.getAccessToken();
    expect(await tokens.getAccessToken()).toBe(first);
    expect(stableTokenCalls()).toBe(1);
    expect(wechat.callsTo('stable_token')[0].body).toEqual({ grant_type: 'client_credential', appid: wechat.appId, secret: wechat.secret, force_refresh: false });

    const stored = await row();
    expect(stored.tokenCipher).toMatch(/^v1\./);
    expect(stored.tokenCipher).not.toContain(first);
    expect(stored.expiresAt?.toISOString()).toBe(new Date(clock.now().getTime() + 2 * HOUR).toISOString());
    expect(stored.refreshingUntil).toBeNull();

    // Another instance reads the shared row instead of asking WeChat.
    expect(await secondInstance().getAccessToken()).toBe(first);
    expect(stableTokenCalls()).toBe(1);
  });

  it('refreshes inside the last 5 minutes, when WeChat hands out the next token', async () => {
    const current = await tokens.getAccessToken();
    const before = stableTokenCalls();
    clock.advance(2 * HOUR - 6 * MINUTE);
    expect(await tokens.getAccessToken()).toBe(current);
    expect(stableTokenCalls()).toBe(before);

    clock.advance(2 * MINUTE);
    const next = await tokens.getAccessToken();
    expect(next).not.toBe(current);
    expect(next).toBe(wechat.token);
    expect(stableTokenCalls()).toBe(before + 1);
  });

  it('50 concurrent sends with an expired token cause exactly one refresh', async () => {
    await tokens.getAccessToken();
    clock.advance(3 * HOUR);
    wechat.resetRecords();
    wechat.delay('stable_token', 20);
    await Promise.all(Array.from({ length: 50 }, (_, n) => client.sendSubscribeMessage(message(n))));
    expect(stableTokenCalls()).toBe(1);
    expect(wechat.callsTo('subscribe_send')).toHaveLength(50);
    expect(wechat.delivered).toHaveLength(50);
    expect(new Set(wechat.callsTo('subscribe_send').map((call) => call.query.access_token))).toEqual(new Set([wechat.token]));
  });

  it('two instances refreshing at once: one stable_token call, the other waits for the shared row', async () => {
    await tokens.getAccessToken();
    clock.advance(3 * HOUR);
    wechat.resetRecords();
    wechat.delay('stable_token', 50);
    const other = secondInstance();
    const got = await Promise.all([...Array.from({ length: 10 }, () => tokens.getAccessToken()), ...Array.from({ length: 10 }, () => other.getAccessToken())]);
    expect(stableTokenCalls()).toBe(1);
    expect(new Set(got)).toEqual(new Set([wechat.token]));
    expect((await row()).refreshingUntil).toBeNull();
  });

  it.each([40001, 42001, 40014])('on %i: forgets that token, gets one again (not forced) and retries once', async (errcode) => {
    await tokens.getAccessToken();
    wechat.resetRecords();
    wechat.failNext('subscribe_send', errcode);
    await client.sendSubscribeMessage(message(1));
    expect(wechat.callsTo('subscribe_send')).toHaveLength(2);
    expect(stableTokenCalls()).toBe(1);
    expect(wechat.callsTo('stable_token')[0].body).toMatchObject({ force_refresh: false });
    expect(wechat.delivered).toHaveLength(1);
  });

  it('after the token was revoked elsewhere (40001 for real), the retry uses the new token', async () => {
    const old = await tokens.getAccessToken();
    wechat.revokeTokens();
    wechat.resetRecords();
    await client.sendSubscribeMessage(message(2));
    const [refused, retried] = wechat.callsTo('subscribe_send');
    expect(refused.query.access_token).toBe(old);
    expect(retried.query.access_token).toBe(wechat.token);
    expect(retried.query.access_token).not.toBe(old);
    expect(stableTokenCalls()).toBe(1);
    expect(await tokens.getAccessToken()).toBe(wechat.token);
  });

  it('a second refusal reaches the caller: one retry, never a loop', async () => {
    await tokens.getAccessToken();
    wechat.resetRecords();
    wechat.failNext('subscribe_send', 40001, 2);
    await expect(client.sendSubscribeMessage(message(3))).rejects.toMatchObject({ errcode: 40001 });
    expect(wechat.callsTo('subscribe_send')).toHaveLength(2);
    expect(stableTokenCalls()).toBe(1);
    expect(wechat.delivered).toHaveLength(0);
  });

  it('a failed refresh is thrown, never answered with the stale token', async () => {
    const stale = await tokens.getAccessToken();
    clock.advance(3 * HOUR);
    wechat.failNext('stable_token', -1);
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ code: 'WECHAT_BUSY' });
    wechat.failNext('stable_token', 40013, 1, 'invalid appid');
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ code: 'WECHAT_UNAVAILABLE' });
    // Nothing stale was kept: the next call fetches a fresh token.
    const fresh = await tokens.getAccessToken();
    expect(fresh).not.toBe(stale);
    expect(fresh).toBe(wechat.token);
    expect((await row()).refreshingUntil).toBeNull();
  });

  it('invalidating a token that is no longer the current one changes nothing', async () => {
    const current = await tokens.getAccessToken();
    const before = await row();
    await tokens.invalidate('ACCESS_an-older-token-someone-still-held');
    expect(await row()).toEqual(before);
    expect(await tokens.getAccessToken()).toBe(current);
  });

  it('takes over the refresh lease of an instance that died while refreshing, once the lease runs out', async () => {
    await tokens.getAccessToken();
    clock.advance(3 * HOUR);
    await t.dataSource.getRepository(WechatToken).update({ appId: wechat.appId }, { refreshingUntil: new Date(clock.now().getTime() + 30_000), refreshingBy: 'crashed-instance' });
    wechat.resetRecords();
    const waiting = secondInstance().getAccessToken();
    clock.advance(31_000);
    expect(await waiting).toBe(wechat.token);
    expect(stableTokenCalls()).toBe(1);
    expect(await row()).toMatchObject({ refreshingUntil: null, refreshingBy: null });
  });

  it('answers WECHAT_NOT_CONFIGURED without an appid, and sends nothing', async () => {
    const bare = await startTestApp('sqlite', 'wechat-token-bare', { clock, env: { WECHAT_API_BASE_URL: wechat.baseUrl } });
    try {
      await expect(bare.app.get(WechatTokenService).getAccessToken()).rejects.toMatchObject({ code: 'WECHAT_NOT_CONFIGURED' });
      await expect(bare.app.get(WechatClient).sendSubscribeMessage(message(4))).rejects.toBeInstanceOf(Error);
    } finally {
      await bare.close();
    }
  });

  it('WechatApiError carries the errcode for callers', () => {
    expect(new WechatApiError(43101, 'user refuse to accept the msg', '/cgi-bin/message/subscribe/send')).toMatchObject({ errcode: 43101 });
  });
});
