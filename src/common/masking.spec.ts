import { maskName, maskPhone, maskPhonesIn } from './masking';

/** True when the text has no lone UTF-16 surrogate (an emoji cut in half). */
const wellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('maskName', () => {
  it.each([
    ['张三明', '张*明'],
    ['张三', '张*'],
    ['张', '张*'],
    ['欧阳建国', '欧**国'],
    ['爱新觉罗·溥仪', '爱***仪'],
    ['  张三明  ', '张*明'],
    ['Li Lei', 'L***i'],
  ])('masks %j as %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it.each([null, undefined, '', '   '])('answers 匿名 for the empty name %j', (name) => {
    expect(maskName(name)).toBe('匿名');
  });

  it('never reveals more than three stars, whatever the length', () => {
    expect(maskName('一二三四五六七八九十')).toBe('一***十');
  });

  it.each([
    ['张三明🎉', '张**🎉'],
    ['🎉小明', '🎉*明'],
    ['🌸🌸', '🌸*'],
    ['😀', '😀*'],
  ])('keeps emoji whole: %j → %j', (name, masked) => {
    const result = maskName(name);
    expect(result).toBe(masked);
    expect(wellFormed(result)).toBe(true);
  });

  it('hides the middle of the name', () => {
    expect(maskName('王小二')).not.toContain('小');
  });
});

describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['138 0013 8000', '138****8000'],
    ['12345', '*****'],
  ])('masks %j as %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([null, undefined, ''])('answers null for %j', (phone) => {
    expect(maskPhone(phone)).toBeNull();
  });
});

describe('maskPhonesIn', () => {
  it('masks every mobile number in a log line and leaves other numbers alone', () => {
    const line = '{"level":"info","msg":"registration 42 by 13800138000, contact 15912345678","requestId":"20260301123456789","at":1767225600000}';
    const masked = maskPhonesIn(line);
    expect(masked).toBe('{"level":"info","msg":"registration 42 by 138****8000, contact 159****5678","requestId":"20260301123456789","at":1767225600000}');
    expect(masked).not.toMatch(/13800138000|15912345678/);
  });

  it('masks a number written with the country code', () => {
    expect(maskPhonesIn('phone +8613800138000 called')).toBe('phone +86138****8000 called');
    expect(maskPhonesIn('phone 8613800138000')).toBe('phone 86138****8000');
  });

  it('does not touch numbers that are not mobile numbers', () => {
    for (const text of ['12345678901', '10086', '138001380001234', 'order 0213800138000']) {
      expect(maskPhonesIn(text)).toBe(text);
    }
  });
});
