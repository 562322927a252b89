import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Optional } from './http/dto-rules';
import { defineErrors } from './errors/domain-error';

export const PaginationErrors = defineErrors({
  CURSOR_INVALID: [400, '分页游标无效，请从第一页重新加载'],
});

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page\'s `nextCursor`' })
  @Optional() @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Keyset cursor over (time, id), newest first. The id only breaks ties: ids are not assumed to
 * grow with time (they do not across TiDB nodes).
 */
export interface KeysetCursor {
  at: Date;
  id: number;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.getTime(), cursor.id])).toString('base64url');
}

export function decodeCursor(token: string | undefined): KeysetCursor | undefined {
  if (!token) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && Number.isSafeInteger(value[1]) && value[1] > 0) {
      const at = new Date(value[0] as number);
      // A safe integer can still lie outside the Date range; an Invalid Date must not reach SQL.
      if (!Number.isNaN(at.getTime())) return { at, id: value[1] as number };
    }
  } catch {
    // fall through
  }
  throw PaginationErrors.CURSOR_INVALID.error();
}

/** Builds a page from `limit + 1` rows fetched in keyset order. */
export function toPage<Row, Item>(rows: Row[], limit: number, key: (row: Row) => KeysetCursor, map: (row: Row) => Item): Page<Item> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(key(kept[kept.length - 1])) : null };
}
