import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, DAY } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { PhotoChecks } from './photo-checks';
import { PhotoStorage } from './photo-storage';
import { Upload } from './upload.entity';

/** Uploads never attached to a wish are removed once they are this old. */
export const ORPHAN_AGE_MS = DAY;
const BATCH = 200;

/**
 * Periodic upkeep of the photo store, every UPLOAD_ORPHAN_SWEEP_MS: removes uploads that were never
 * attached within a day (row and file), and sends again photo checks WeChat did not accept. Safe to
 * run in every instance at once: the deletes are conditional and deleting a file twice is harmless.
 */
@Injectable()
export class UploadSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UploadSweeper.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @InjectRepository(Upload) private readonly uploads: Repository<Upload>,
    private readonly storage: PhotoStorage,
    private readonly checks: PhotoChecks,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const every = this.config.media.orphanSweepMs;
    if (every <= 0) return;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One round of upkeep; a round still running when the next is due is not overlapped. */
  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock.now();
      const removed = await this.deleteOrphans(now);
      const resent = await this.checks.resendUnsent(now);
      if (removed || resent) this.logger.log({ removed, resent }, 'upload sweep');
    } catch (error) {
      this.logger.error({ err: error }, 'upload sweep failed; it runs again next period');
    } finally {
      this.running = false;
    }
  }

  /**
   * Removes uploads never attached and older than a day: rows first, by a delete that re-checks
   * `wish_id IS NULL` (a photo attached meanwhile stays), then the files of the rows that went.
   * Returns how many were removed.
   */
  async deleteOrphans(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - ORPHAN_AGE_MS);
    let removed = 0;
    for (;;) {
      const batch = await this.uploads.find({
        select: { id: true, storageKey: true },
        where: { wishId: IsNull(), createdAt: LessThan(cutoff) },
        order: { createdAt: 'ASC' },
        take: BATCH,
      });
      if (batch.length === 0) return removed;
      const ids = batch.map((upload) => upload.id);
      await this.tx.run((m) =>
        m.createQueryBuilder().delete().from(Upload).where('id IN (:...ids) AND wish_id IS NULL', { ids }).execute(),
      );
      const kept = new Set((await this.uploads.find({ select: { id: true }, where: { id: In(ids) } })).map((upload) => upload.id));
      for (const upload of batch) if (!kept.has(upload.id)) await this.storage.delete(upload.storageKey);
      // Those attached in the meantime no longer match the query, so the loop moves on.
      removed += batch.length - kept.size;
    }
  }
}
