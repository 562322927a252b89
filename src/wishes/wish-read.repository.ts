import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, ObjectLiteral } from 'typeorm';
import { decodeCursor } from '../common/pagination';
import { rawDate, rawQuery } from '../database/raw-query';
import type { WishStatus } from './wish-state';
import { CARD_COLUMNS, RECORD_COLUMNS, WISH_WITH_NAMES } from './wish-read.sql';
import { WishEvent } from './wish-event.entity';
import { WishErrors } from './wish.errors';
import type { Wish } from './wish.entity';

/** What a wish view shows (dto/wish.view.ts): the public columns, with the community's and the claimer's names. */
export type WishCard = Pick<
  Wish,
  | 'id' | 'title' | 'description' | 'category' | 'kind' | 'status' | 'channel' | 'communityId' | 'residentName'
  | 'estimatedCost' | 'expectedBy' | 'photoIds' | 'fulfilmentPhotoIds' | 'fulfilmentNote' | 'rating' | 'ratingComment' | 'claimerId'
  | 'createdAt' | 'reviewedAt' | 'claimedAt' | 'fulfilledAt' | 'completedAt' | 'closedAt'
> & { communityName: string; claimerName: string | null };

/** One wish as the use cases read it: the card plus what decides who may see and do what, and the resident's contact. */
export type WishRecord = WishCard &
  Pick<Wish, 'regionPath' | 'residentId' | 'createdBy' | 'claimerUnitId' | 'residentPhoneCipher' | 'residentAddress'>;

export interface ListFilter {
  communityIds?: number[];
  pathPrefixes?: string[];
  residentId?: number;
  claimerId?: number;
  statuses?: WishStatus[];
  category?: string;
  cursor?: string;
  limit: number;
}

/*
 * Why raw SQL here: these reads run on every wall, "mine", detail, claim and submit request, and
 * TypeORM's query building and entity hydration were the largest share of the service's CPU on
 * those paths (~24 % of its busy time under `npm run bench`, issue #7). The SQL is the one the query
 * builder produced, with only the columns a view needs, mapped by hand; it runs on SQLite and MySQL alike.
 */

/** The read side of wishes: the hot-path reads as raw SQL (see above), and the timeline. */
@Injectable()
export class WishReadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findById(id: number): Promise<WishRecord | null> {
    const [row] = await this.query(`SELECT ${RECORD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.id = :id`, { id });
    return row ? toRecord(row) : null;
  }

  /** The wish, or 404 WISH_NOT_FOUND. */
  async requireById(id: number): Promise<WishRecord> {
    const wish = await this.findById(id);
    if (!wish) throw WishErrors.WISH_NOT_FOUND.error();
    return wish;
  }

  async findByIdempotencyKey(createdBy: number, key: string): Promise<WishRecord | null> {
    const [row] = await this.query(`SELECT ${RECORD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.created_by = :createdBy AND w.idempotency_key = :key`, { createdBy, key });
    return row ? toRecord(row) : null;
  }

  /**
   * Keyset page of wishes, newest first; `limit + 1` rows so the caller knows whether more exist.
   * The wall (one community) and "mine" are read in index order (idx_wish_wall, idx_wish_resident),
   * with no sort: test/hot-path-explain.e2e-spec.ts checks the plans.
   */
  async list(filter: ListFilter): Promise<WishCard[]> {
    const where: string[] = [];
    const params: ObjectLiteral = {};
    const add = (condition: string, values: ObjectLiteral = {}) => {
      where.push(condition);
      Object.assign(params, values);
    };
    if (filter.communityIds) add('w.community_id IN (:...communityIds)', { communityIds: filter.communityIds.length ? filter.communityIds : [0] });
    if (filter.pathPrefixes) {
      const prefixes = filter.pathPrefixes;
      const values = Object.fromEntries(prefixes.map((prefix, i) => [`prefix${i}`, `${prefix}%`]));
      add(prefixes.length ? `(${prefixes.map((_, i) => `w.region_path LIKE :prefix${i}`).join(' OR ')})` : '1 = 0', values);
    }
    if (filter.residentId !== undefined) add('w.resident_id = :residentId', { residentId: filter.residentId });
    if (filter.claimerId !== undefined) add('w.claimer_id = :claimerId', { claimerId: filter.claimerId });
    if (filter.statuses) add('w.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.category) add('w.category = :category', { category: filter.category });
    const cursor = decodeCursor(filter.cursor);
    if (cursor) add('(w.created_at < :at OR (w.created_at = :at AND w.id < :cursorId))', { at: cursor.at, cursorId: cursor.id });
    const sql = `SELECT ${CARD_COLUMNS} ${WISH_WITH_NAMES} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY w.created_at DESC, w.id DESC LIMIT ${Math.trunc(filter.limit) + 1}`;
    return (await this.query(sql, params)).map(toCard);
  }

  /** Not a hot path: the timeline is read when someone opens it. */
  async events(wishId: number): Promise<WishEvent[]> {
    return this.dataSource.manager.find(WishEvent, { where: { wishId }, order: { at: 'ASC', id: 'ASC' } });
  }

  private query(sql: string, params: ObjectLiteral): Promise<Row[]> {
    return rawQuery(this.dataSource.manager, sql, params);
  }
}

type Row = Record<string, unknown>;


/** simple-json columns are JSON text on both databases. */
const toIds = (value: unknown): string[] => (typeof value === 'string' ? JSON.parse(value) : (value as string[]));

function toCard(row: Row): WishCard {
  return {
    id: row.id as number,
    title: row.title as string,
    description: row.description as string,
    category: row.category as WishCard['category'],
    kind: row.kind as WishCard['kind'],
    status: row.status as WishStatus,
    channel: row.channel as WishCard['channel'],
    communityId: row.communityId as number,
    communityName: (row.communityName as string | null) ?? '',
    residentName: row.residentName as string,
    estimatedCost: row.estimatedCost as number | null,
    expectedBy: row.expectedBy as string | null,
    photoIds: toIds(row.photoIds),
    fulfilmentPhotoIds: toIds(row.fulfilmentPhotoIds),
    fulfilmentNote: row.fulfilmentNote as string | null,
    rating: row.rating as number | null,
    ratingComment: row.ratingComment as string | null,
    claimerId: row.claimerId as number | null,
    claimerName: (row.claimerName as string | null) ?? null,
    createdAt: rawDate(row.createdAt)!,
    reviewedAt: rawDate(row.reviewedAt),
    claimedAt: rawDate(row.claimedAt),
    fulfilledAt: rawDate(row.fulfilledAt),
    completedAt: rawDate(row.completedAt),
    closedAt: rawDate(row.closedAt),
  };
}

/**
 * The card with the record's columns added in place. Not `{ ...toCard(row), regionPath, … }`: V8 copies
 * the 25 properties and then takes a slow path for each one added, 8 µs per record against 0.2 µs
 * (measured; a detail reads one record, a claim or a submission two or three).
 */
function toRecord(row: Row): WishRecord {
  return Object.assign(toCard(row), {
    regionPath: row.regionPath as string,
    residentId: row.residentId as number | null,
    createdBy: row.createdBy as number,
    claimerUnitId: row.claimerUnitId as number | null,
    residentPhoneCipher: row.residentPhoneCipher as string | null,
    residentAddress: row.residentAddress as string | null,
  });
}
