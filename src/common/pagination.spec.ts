import { DomainError } from './errors/domain-error';
import { decodeCursor, encodeCursor, toPage } from './pagination';

const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function errorOf(token: string): unknown {
  try {
    decodeCursor(token);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('keyset cursors', () => {
  it('round-trips time (with milliseconds) and id, as a URL-safe token', () => {
    const cursor = { at: new Date('2026-03-01T02:03:04.567Z'), id: 42 };
    const token = encodeCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(token)).toEqual(cursor);
  });

  it('reads no cursor as the first page', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'garbage'],
    ['JSON of the wrong shape', raw({ at: 1, id: 2 })],
    ['a non-integer time', raw(['2026-01-01', 2])],
    ['a zero id', raw([1767225600000, 0])],
    ['a negative id', raw([1767225600000, -3])],
    ['a fractional id', raw([1767225600000, 1.5])],
    ['too many parts', raw([1767225600000, 1, 2])],
    ['a time outside the Date range', raw([9_000_000_000_000_000, 1])],
  ])('refuses %s with CURSOR_INVALID', (_label, token) => {
    const error = errorOf(token);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'CURSOR_INVALID', status: 400 });
    expect((error as DomainError).message).toMatch(/[\u4e00-\u9fa5]/);
  });
});

describe('toPage', () => {
  const rows = [1, 2, 3].map((id) => ({ id, at: new Date(Date.UTC(2026, 0, id)) }));
  const key = (row: (typeof rows)[number]) => ({ at: row.at, id: row.id });

  it('keeps `limit` items and points the cursor at the last one kept when there is more', () => {
    const page = toPage(rows, 2, key, (row) => row.id);
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at: rows[1].at, id: 2 });
  });

  it('answers a null cursor on the last page', () => {
    expect(toPage(rows, 3, key, (row) => row.id)).toEqual({ items: [1, 2, 3], nextCursor: null });
    expect(toPage([], 3, key, (row) => row.id)).toEqual({ items: [], nextCursor: null });
  });
});
