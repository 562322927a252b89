import { formatFieldValue, formatShanghaiDate, formatShanghaiTime, renderPage, renderTemplateData, truncateChars } from './subscribe-message';
import type { WechatTemplate } from './wechat-templates';

describe('subscribe message values', () => {
  it('cuts by characters, never splitting an emoji or a Chinese character', () => {
    const title = '给独居的王奶奶买一个电饭煲🍚，她的旧锅坏了好久了，做饭很不方便';
    const value = formatFieldValue(title, 'thing');
    expect(Array.from(value)).toHaveLength(20);
    expect(value).toBe('给独居的王奶奶买一个电饭煲🍚，她的旧锅…');
    // UTF-16 length would be 21 (the emoji is two units): the limit is characters, as WeChat counts.
    expect(value.length).toBe(21);
    expect(truncateChars('🍚🍚🍚', 2)).toBe('🍚🍚');
  });

  it.each([
    ['thing', 20],
    ['number', 32],
    ['letter', 32],
    ['symbol', 5],
    ['character_string', 32],
    ['phrase', 5],
    ['name', 10],
    ['phone_number', 17],
  ] as const)('keeps a %s value within %i characters', (type, limit) => {
    const long = '一'.repeat(limit + 7);
    expect(Array.from(formatFieldValue(long, type)).length).toBe(limit);
    expect(formatFieldValue('一'.repeat(limit), type)).toBe('一'.repeat(limit));
  });

  it('shows short values unchanged, flattens line breaks and never sends an empty value', () => {
    expect(formatFieldValue('楼道灯坏了', 'thing')).toBe('楼道灯坏了');
    expect(formatFieldValue('第一行\n第二行\t\t第三行', 'thing')).toBe('第一行 第二行 第三行');
    expect(formatFieldValue('陈 建国', 'name')).toBe('陈建国');
    expect(formatFieldValue(null, 'thing')).toBe('无');
    expect(formatFieldValue('   ', 'phrase')).toBe('无');
    expect(formatFieldValue(undefined, 'character_string')).toBe('-');
  });

  it('formats times and dates in Asia/Shanghai, 24-hour, 年月日', () => {
    const at = new Date('2026-11-22T07:30:00.000Z');
    expect(formatShanghaiTime(at)).toBe('2026年11月22日 15:30');
    expect(formatShanghaiDate(new Date('2026-12-31T16:30:00.000Z'))).toBe('2027年01月01日');
    expect(formatFieldValue(at, 'time')).toBe('2026年11月22日 15:30');
    expect(formatFieldValue(at, 'date')).toBe('2026年11月22日');
    expect(formatFieldValue(undefined, 'time')).toBe('-');
  });

  it('renders the data object and the page of a template', () => {
    const template: WechatTemplate = {
      templateId: 'tmpl-claimed-000001',
      page: 'pages/wish/detail?id={wishId}&from=msg',
      fields: { thing1: { source: 'wishTitle', type: 'thing' }, phrase2: { source: 'status', type: 'phrase' }, time3: { source: 'at', type: 'time' } },
    };
    expect(renderTemplateData(template, { wishTitle: '一台电风扇', status: '已认领', at: new Date('2026-03-01T02:00:00Z') })).toEqual({
      thing1: { value: '一台电风扇' },
      phrase2: { value: '已认领' },
      time3: { value: '2026年03月01日 10:00' },
    });
    expect(renderPage(template, 42)).toBe('pages/wish/detail?id=42&from=msg');
    expect(renderPage(template, null)).toBe('pages/wish/detail?from=msg');
    expect(renderPage({ ...template, page: 'pages/inbox/index?id={wishId}' }, null)).toBe('pages/inbox/index');
    expect(renderPage({ ...template, page: undefined }, 1)).toBeUndefined();
  });
});
