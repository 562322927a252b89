import { foldText, parseWordList, SensitiveWordFilter } from './sensitive-word-filter';

describe('sensitive-word filter', () => {
  const filter = new SensitiveWordFilter(['刷单', '代开发票', 'SB', 'cash app']);

  it.each([
    ['我在家刷单赚钱', '刷单'],
    ['刷 单 日 结', '刷单'],
    ['刷*单', '刷单'],
    ['刷\u200B单', '刷单'],
    ['代 开·发 票', '代开发票'],
    ['你是ＳＢ吗', 'sb'],
    ['you are sb!', 'sb'],
    ['pay with Cash  App today', 'cash app'],
  ])('finds a listed word in %p', (text, word) => {
    expect(filter.firstMatch(text)).toBe(word);
  });

  it.each(['楼道灯坏了，晚上看不见', 'usb 接口坏了', 'u s b', '单刷'])('passes ordinary text %p', (text) => {
    expect(filter.firstMatch(text)).toBeUndefined();
  });

  it('checks every text given and reports the first hit', () => {
    expect(filter.firstMatch('标题没问题', '描述里有代开发票')).toBe('代开发票');
  });

  it('folds full-width forms, case and separators', () => {
    expect(foldText('ＡＢＣ　１２３')).toBe('abc 123');
    expect(foldText('法 · 轮')).toBe('法轮');
    expect(foldText('a, 中')).toBe('a 中');
  });

  it('reads a word list file: comments and blank lines ignored', () => {
    expect(parseWordList('# 广告\n刷单\n\n  代开发票  # 发票\n#全部注释\r\nfoo\n')).toEqual(['刷单', '代开发票', 'foo']);
  });

  it('an empty list matches nothing', () => {
    expect(new SensitiveWordFilter([]).firstMatch('刷单')).toBeUndefined();
    expect(new SensitiveWordFilter(['  ', '*']).size).toBe(0);
  });
});
