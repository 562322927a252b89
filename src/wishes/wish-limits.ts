import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/time/clock';
import { startOfShanghaiDay } from '../common/time/shanghai';
import { ACTIVE_STATUSES } from './wish-state';
import { WishRepository } from './wish.repository';
import { WishErrors } from './wish.errors';

/**
 * Per-resident limits on submissions: wishes in progress at once, and submissions per calendar day
 * (Asia/Shanghai). Checked before the insert; two submissions racing from one account may pass
 * together, which is acceptable for an abuse limit (the idempotency key stops double taps).
 */
@Injectable()
export class WishLimits {
  constructor(
    private readonly wishes: WishRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async assertResidentMaySubmit(userId: number): Promise<void> {
    const { residentOpenLimit, residentDailySubmissions } = this.config.wishes;
    if ((await this.wishes.countActiveOfResident(userId, ACTIVE_STATUSES)) >= residentOpenLimit) {
      throw WishErrors.WISH_OPEN_LIMIT_REACHED.error(`你进行中的心愿已有 ${residentOpenLimit} 个，请等已有心愿完成后再提交`);
    }
    const since = startOfShanghaiDay(this.clock.now());
    if ((await this.wishes.countSubmittedSince(userId, since)) >= residentDailySubmissions) {
      throw WishErrors.WISH_DAILY_LIMIT_REACHED.error(`每天最多提交 ${residentDailySubmissions} 个心愿，请明天再试`);
    }
  }
}
