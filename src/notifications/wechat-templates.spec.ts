import { loadAppConfig } from '../config/app-config';
import { parseWechatTemplates } from './wechat-templates';

const valid = {
  wish_claimed: {
    templateId: 'AbCdEfGhIj_claimed-01',
    page: 'pages/wish/detail?id={wishId}',
    fields: { thing1: { source: 'wishTitle', type: 'thing' }, name2: { source: 'memberName', type: 'name' }, time3: { source: 'at', type: 'time' } },
  },
  claim_expiring: { templateId: 'AbCdEfGhIj_expiring-1', fields: { thing1: { source: 'wishTitle', type: 'thing' }, time2: { source: 'deadline', type: 'time' } } },
};

describe('WECHAT_TEMPLATES', () => {
  it('is optional: no templates, inbox only', () => {
    expect(parseWechatTemplates(undefined)).toEqual({ templates: {}, problems: [] });
  });

  it('parses templates per notification kind', () => {
    const { templates, problems } = parseWechatTemplates(JSON.stringify(valid));
    expect(problems).toEqual([]);
    expect(templates.wish_claimed).toEqual(valid.wish_claimed);
    expect(templates.claim_expiring?.page).toBeUndefined();
  });

  it('reports every problem with its path', () => {
    const { problems } = parseWechatTemplates(
      JSON.stringify({
        wish_clamed: valid.wish_claimed,
        wish_approved: { templateId: 'short', fields: { thing1: { source: 'wishTitle', type: 'thing' } }, extra: true },
        wish_rejected: { templateId: 'AbCdEfGhIj_claimed-01', page: '/pages/x', fields: { thing1: { source: 'nope', type: 'thing' }, time2: { source: 'at', type: 'date' }, thing3: { source: 'at', type: 'blob' } } },
        wish_fulfilled: { templateId: 'AbCdEfGhIj_fulfil-001', fields: {} },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^WECHAT_TEMPLATES\.wish_clamed: unknown notification kind/),
      'WECHAT_TEMPLATES.wish_approved.extra: unknown property',
      'WECHAT_TEMPLATES.wish_approved.templateId must be a WeChat template id',
      expect.stringMatching(/^WECHAT_TEMPLATES\.wish_rejected\.page must be a mini-program page path/),
      expect.stringMatching(/^WECHAT_TEMPLATES\.wish_rejected\.fields\.thing1\.source must be one of/),
      'WECHAT_TEMPLATES.wish_rejected.fields.time2: a key of type date is named date<n>',
      expect.stringMatching(/^WECHAT_TEMPLATES\.wish_rejected\.fields\.thing3\.type must be one of/),
      expect.stringMatching(/^WECHAT_TEMPLATES\.wish_fulfilled\.fields must map template keys/),
    ]);
  });

  it('refuses the same template for two kinds, and text that is not JSON', () => {
    expect(parseWechatTemplates(JSON.stringify({ wish_claimed: valid.wish_claimed, wish_approved: valid.wish_claimed })).problems).toEqual([
      'WECHAT_TEMPLATES.wish_approved.templateId is also used by wish_claimed: one template per kind',
    ]);
    expect(parseWechatTemplates('{not json').problems[0]).toMatch(/^WECHAT_TEMPLATES is not valid JSON/);
    expect(parseWechatTemplates('[1]').problems).toEqual(['WECHAT_TEMPLATES must be a JSON object keyed by notification kind']);
  });
});

describe('configuration of notifications and schedulers', () => {
  const base = { NODE_ENV: 'test', WECHAT_APPID: 'wx-app', WECHAT_SECRET: 'wx-secret' };

  it('stops start-up on a bad WECHAT_TEMPLATES, naming the problem', () => {
    expect(() => loadAppConfig({ ...base, WECHAT_TEMPLATES: '{"wish_claimed": {"templateId": "x"}}' })).toThrow(/WECHAT_TEMPLATES\.wish_claimed\.templateId/);
  });

  it('needs the appid and secret when templates are configured', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'test', WECHAT_TEMPLATES: JSON.stringify(valid) })).toThrow(/WECHAT_TEMPLATES needs WECHAT_APPID and WECHAT_SECRET/);
    expect(loadAppConfig({ ...base, WECHAT_TEMPLATES: JSON.stringify(valid) }).wechat.templates.wish_claimed?.templateId).toBe(valid.wish_claimed.templateId);
  });

  it('refuses a reminder that would come after the release', () => {
    expect(() => loadAppConfig({ ...base, CLAIM_TIMEOUT_DAYS: '2', CLAIM_REMIND_BEFORE_HOURS: '48' })).toThrow(/CLAIM_REMIND_BEFORE_HOURS must be shorter/);
  });

  it('has the documented defaults; the loops are off under NODE_ENV=test unless asked for', () => {
    const config = loadAppConfig(base);
    expect(config.outbox).toEqual({ pollMs: 1000, maxAttempts: 8, backoffBaseMs: 2000 });
    expect(config.timeouts).toEqual({ claimTimeoutDays: 14, claimRemindBeforeHours: 48, confirmWindowDays: 7, sweepMs: 60_000, digestHour: 8 });
    expect(config.wechat).toMatchObject({ miniprogramState: 'formal', tokenPollMs: 100, templates: {} });
    expect(config.schedulersEnabled).toBe(false);
    expect(loadAppConfig({ ...base, SCHEDULERS_ENABLED: 'true' }).schedulersEnabled).toBe(true);
    expect(loadAppConfig({ ...base, NODE_ENV: 'development' }).schedulersEnabled).toBe(true);
    expect(() => loadAppConfig({ ...base, WECHAT_MINIPROGRAM_STATE: 'beta' })).toThrow(/WECHAT_MINIPROGRAM_STATE/);
    expect(() => loadAppConfig({ ...base, DIGEST_HOUR: '24' })).toThrow(/DIGEST_HOUR/);
  });
});
