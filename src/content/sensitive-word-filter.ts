import AhoCorasick from 'modern-ahocorasick';

/** Zero-width and joiner characters people slip between the characters of a word to dodge filters. */
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF]/g;
/** A run of anything that is not a letter or a digit (spaces, punctuation, symbols, emoji). */
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
const ASCII_WORD_CHAR = /[a-z0-9]/;

/**
 * Folds text so that trivial disguises still match: full-width forms and compatibility characters
 * become plain ones (NFKC), case is dropped, invisible characters vanish, and separators between
 * Chinese characters are removed ("刷 单", "刷*单" → "刷单"). Between Latin letters a separator stays
 * a space, so "u s b" does not turn into a word that contains a listed "sb".
 */
export function foldText(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
  return folded
    .replace(SEPARATORS, (_run, offset: number, whole: string) => {
      const before = whole[offset - 1];
      const after = whole[offset + _run.length];
      const latinEdge = (before !== undefined && ASCII_WORD_CHAR.test(before)) || (after !== undefined && ASCII_WORD_CHAR.test(after));
      return latinEdge ? ' ' : '';
    })
    .trim();
}

/** Words of a list file: one per line, `#` starts a comment, blank lines ignored. */
export function parseWordList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * The local sensitive-word filter: one Aho–Corasick automaton over the folded words, so checking a
 * text costs one pass whatever the size of the list. Latin words must stand at word boundaries
 * ("sb" does not match inside "usb"); Chinese words match anywhere.
 */
export class SensitiveWordFilter {
  private readonly matcher: AhoCorasick<string> | null;
  readonly size: number;

  constructor(words: readonly string[]) {
    const folded = [...new Set(words.map(foldText).filter((word) => word.length > 0))];
    this.size = folded.length;
    this.matcher = folded.length > 0 ? new AhoCorasick<string>(folded, { boundary: 'ascii-edge' }) : null;
  }

  /** The first listed word found in any of the texts, or undefined. */
  firstMatch(...texts: readonly string[]): string | undefined {
    if (!this.matcher) return undefined;
    for (const text of texts) {
      // findFirst answers undefined for clean text; searching again then (as `??` did) was a second full pass.
      const hit = this.matcher.findFirst(foldText(text));
      if (hit) return hit.pattern;
    }
    return undefined;
  }
}
