import { DomainError } from '../common/errors/domain-error';
import { FakeClock, MINUTE } from '../common/time/clock';
import type { AppConfig } from '../config/app-config';
import { pushSignature, WechatPushes } from './wechat-push';

describe('WeChat message push', () => {
  it('signs as WeChat documents it (sha1 of the sorted token, timestamp, nonce)', () => {
    // The worked example of WeChat's message-push documentation.
    expect(pushSignature('AAAAA', '1714036504', '1514711492')).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
  });

  const clock = new FakeClock('2024-04-25T09:15:04.000Z'); // 1714036504
  const pushes = (pushToken?: string) => new WechatPushes({ wechat: { pushToken } } as AppConfig, clock);
  const refusal = (fn: () => void) => {
    try {
      fn();
      return 'accepted';
    } catch (error) {
      return error instanceof DomainError ? error.code : String(error);
    }
  };

  it('accepts a signed, fresh push and refuses a wrong, missing, stale or unconfigured one', () => {
    const query = { signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696', timestamp: '1714036504', nonce: '1514711492' };
    expect(refusal(() => pushes('AAAAA').assertSigned(query))).toBe('accepted');
    expect(refusal(() => pushes('AAAAA').assertSigned({ ...query, signature: query.signature.toUpperCase() }))).toBe('accepted');
    expect(refusal(() => pushes('BBBBB').assertSigned(query))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    expect(refusal(() => pushes(undefined).assertSigned(query))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    expect(refusal(() => pushes('AAAAA').assertSigned({ ...query, nonce: undefined }))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    expect(refusal(() => pushes('AAAAA').assertSigned({ ...query, timestamp: '1714036504.5' }))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    // A repeated query parameter arrives as an array (found by the fuzz suite as a 500).
    expect(refusal(() => pushes('AAAAA').assertSigned({ ...query, signature: [query.signature, query.signature] }))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    expect(refusal(() => pushes('AAAAA').assertSigned({ ...query, nonce: ['1', '1'] }))).toBe('WECHAT_PUSH_SIGNATURE_INVALID');
    clock.advance(5 * MINUTE);
    expect(refusal(() => pushes('AAAAA').assertSigned(query))).toBe('accepted');
    clock.advance(1000);
    expect(refusal(() => pushes('AAAAA').assertSigned(query))).toBe('WECHAT_PUSH_STALE');
  });

  it('hands each event to the module registered for it, and acknowledges the others', async () => {
    const router = pushes('AAAAA');
    const seen: unknown[] = [];
    router.on('wxa_media_check', async (event) => void seen.push(event.trace_id));
    expect(() => router.on('wxa_media_check', async () => undefined)).toThrow(/already registered/);
    await router.dispatch({ Event: 'wxa_media_check', trace_id: 't-1' });
    await router.dispatch({ Event: 'subscribe_msg_popup_event' });
    await router.dispatch({});
    expect(seen).toEqual(['t-1']);
  });
});
