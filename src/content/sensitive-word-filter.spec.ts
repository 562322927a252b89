import fc from 'fast-check';
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

describe('sensitive-word filter automaton', () => {
  it('follows failure links and reports the word that ends first, longest first', () => {
    const filter = new SensitiveWordFilter(['好人', '是好人', '好人是日', '发票', '代开发票', '甲乙丙丁', '乙丙戊']);
    expect(filter.firstMatch('有是好人是日')).toBe('是好人');
    expect(filter.firstMatch('我要代开发票')).toBe('代开发票');
    expect(filter.firstMatch('开发票')).toBe('发票');
    // 甲乙丙 then 戊: no 甲乙丙戊, so the automaton falls back along 乙丙 and finds 乙丙戊.
    expect(filter.firstMatch('甲乙丙戊')).toBe('乙丙戊');
  });

  it('checks Latin boundaries on every word ending at a position, not only the longest', () => {
    const filter = new SensitiveWordFilter(['xab', 'ab']);
    // "xab" continues the word "yxab"; "ab" inside it does too: no hit.
    expect(filter.firstMatch('yxab')).toBeUndefined();
    expect(filter.firstMatch('x ab')).toBe('ab');
    expect(filter.firstMatch('中xab中')).toBe('xab');
  });

  /** The same question answered by brute force: any word occurring with Latin edges that stand alone. */
  const bruteForce = (words: string[], text: string): boolean => {
    const folded = foldText(text);
    const edge = (c: string | undefined) => c !== undefined && /[a-z0-9]/.test(c);
    return words.map(foldText).some((word) => {
      if (!word) return false;
      for (let at = folded.indexOf(word); at !== -1; at = folded.indexOf(word, at + 1)) {
        const leftOk = !(edge(word[0]) && edge(folded[at - 1]));
        const rightOk = !(edge(word[word.length - 1]) && edge(folded[at + word.length]));
        if (leftOk && rightOk) return true;
      }
      return false;
    });
  };

  it('finds a word exactly when brute force does (random lists and texts)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', '1', ' ', '刷', '单', '票', '代', '-');
    const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), fc.array(alphabet, { maxLength: 30 }).map((chars) => chars.join('')), (words, text) => {
        const filter = new SensitiveWordFilter(words);
        const hit = filter.firstMatch(text);
        expect(hit !== undefined).toBe(bruteForce(words, text));
        if (hit !== undefined) expect(foldText(text)).toContain(hit);
      }),
      { numRuns: 2000 },
    );
  });
});
