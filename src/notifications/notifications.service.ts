import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryResult } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { decodeCursor, toPage } from '../common/pagination';
import { Clock } from '../common/time/clock';
import { rawExecute, rawQuery } from '../database/raw-query';
import { TransactionRunner } from '../database/transaction-runner';
import { OutboxService } from '../outbox/outbox.service';
import { InboxQuery, NotificationPage, NotificationView, ReadAllView } from './dto/notification.dto';
import { NoticeSent, Notification } from './notification.entity';
import { NotificationErrors } from './notification.errors';
import { FieldValues, renderPage, renderTemplateData, truncateChars } from './subscribe-message';
import type { NotificationKind } from './wechat-templates';

/** Outbox topic of WeChat subscribe messages (handled by SubscribeMessageSender). */
export const SUBSCRIBE_TOPIC = 'wechat.subscribe';

/** Dev-login accounts carry made-up openids (auth.service.ts): WeChat would answer 40003. */
const DEV_OPENID_PREFIX = 'dev:';

/** One notification to one person. */
export interface NotificationIntent {
  userId: number;
  kind: NotificationKind;
  wishId: number | null;
  title: string;
  body: string;
  /** Values the kind's template fields may use, besides the title and body. */
  fields: FieldValues;
}

/** Payload of a `wechat.subscribe` outbox row: the message rendered when the event happened. */
export interface SubscribePayload {
  notificationId: number;
  userId: number;
  templateId: string;
  touser: string;
  page: string | null;
  data: Record<string, { value: string }>;
}

/**
 * The in-app inbox, and the entry point of every notification: `notify` writes the inbox row and,
 * when the kind has a template and the person a real openid, a subscribe message to the outbox —
 * both with the caller's transaction manager, so they exist exactly when the change they report does.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async notify(m: EntityManager, intent: NotificationIntent): Promise<void> {
    // Raw read and insert: a claim's transaction runs this every time (issue #7).
    const [user] = await rawQuery<{ openid: string | null; deletedAt: unknown }>(m, 'SELECT openid, deleted_at AS deletedAt FROM app_user WHERE id = :id', { id: intent.userId });
    // An erased account keeps no inbox (PIPL): nothing is written for it.
    if (!user || user.deletedAt) return;
    const now = this.clock.now();
    const title = truncateChars(intent.title, 64, true);
    const body = truncateChars(intent.body, 500, true);
    const { insertId: notificationId } = await rawExecute(
      m,
      'INSERT INTO notification (user_id, kind, title, body, wish_id, read_at, created_at) VALUES (:userId, :kind, :title, :body, :wishId, NULL, :createdAt)',
      { userId: intent.userId, kind: intent.kind, title, body, wishId: intent.wishId, createdAt: now },
    );

    const template = this.config.wechat.templates[intent.kind];
    if (!template || !user.openid || user.openid.startsWith(DEV_OPENID_PREFIX)) return;
    const payload: SubscribePayload = {
      notificationId,
      userId: intent.userId,
      templateId: template.templateId,
      touser: user.openid,
      page: renderPage(template, intent.wishId) ?? null,
      data: renderTemplateData(template, { ...intent.fields, title, body }),
    };
    await this.outbox.enqueue(m, SUBSCRIBE_TOPIC, { ...payload });
  }

  /**
   * Runs `work` in a transaction together with the insert of `dedupeKey`, unless that key was
   * inserted before (by this or another instance): then nothing is written and the answer is false.
   */
  async once(dedupeKey: string, work: (m: EntityManager) => Promise<void>): Promise<boolean> {
    return this.tx.run(async (m) => {
      // INSERT IGNORE / INSERT OR IGNORE: a concurrent sweep with the same key waits for ours to
      // commit and then inserts nothing (no duplicate-key error to catch, nor to log).
      const [sql, parameters] = m.createQueryBuilder().insert().into(NoticeSent).values({ dedupeKey, createdAt: this.clock.now() }).orIgnore().getQueryAndParameters();
      const inserted = (await m.queryRunner!.query(sql, parameters, true)) as QueryResult;
      if (!inserted.affected) return false;
      await work(m);
      return true;
    });
  }

  // ── The inbox ──────────────────────────────────────────────────────────────

  async list(principal: Principal, query: InboxQuery): Promise<NotificationPage> {
    const qb = this.dataSource.getRepository(Notification).createQueryBuilder('n').where('n.user_id = :userId', { userId: principal.id });
    if (query.unread) qb.andWhere('n.read_at IS NULL');
    const cursor = decodeCursor(query.cursor);
    if (cursor) qb.andWhere('(n.created_at < :at OR (n.created_at = :at AND n.id < :cursorId))', { at: cursor.at, cursorId: cursor.id });
    const rows = await qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').limit(query.limit + 1).getMany();
    const page = toPage(rows, query.limit, (n) => ({ at: n.createdAt, id: n.id }), toView);
    const unreadCount = await this.dataSource.getRepository(Notification).createQueryBuilder('n').where('n.user_id = :userId AND n.read_at IS NULL', { userId: principal.id }).getCount();
    return { ...page, unreadCount };
  }

  async markRead(principal: Principal, id: number): Promise<NotificationView> {
    const row = await this.dataSource.getRepository(Notification).findOneBy({ id, userId: principal.id });
    if (!row) throw NotificationErrors.NOTIFICATION_NOT_FOUND.error();
    if (!row.readAt) {
      const now = this.clock.now();
      // Conditional, so a repeated or concurrent call keeps the first reading time.
      const result = await this.tx.run((m) =>
        m.createQueryBuilder().update(Notification).set({ readAt: now }).where('id = :id AND user_id = :userId AND read_at IS NULL', { id, userId: principal.id }).execute(),
      );
      if (result.affected) row.readAt = now;
      else return toView(await this.dataSource.getRepository(Notification).findOneByOrFail({ id }));
    }
    return toView(row);
  }

  async markAllRead(principal: Principal): Promise<ReadAllView> {
    const now = this.clock.now();
    const result = await this.tx.run((m) =>
      m.createQueryBuilder().update(Notification).set({ readAt: now }).where('user_id = :userId AND read_at IS NULL', { userId: principal.id }).execute(),
    );
    return { updated: result.affected ?? 0 };
  }
}

function toView(n: Notification): NotificationView {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    wishId: n.wishId,
    read: n.readAt !== null,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}
