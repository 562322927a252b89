import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { WishesModule } from '../wishes/wishes.module';
import { OverdueDigest } from './overdue-digest.service';
import { WishTimeouts } from './wish-timeouts.service';

/** Scheduled work on wishes: claim reminders and timeouts, auto-completion, the office digest. */
@Module({
  imports: [WishesModule, NotificationsModule],
  providers: [WishTimeouts, OverdueDigest],
  exports: [WishTimeouts],
})
export class SchedulerModule {}
