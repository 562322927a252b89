import { Module, OnModuleInit } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { OutboxWorker } from '../outbox/outbox.worker';
import { WishEventBus } from '../wishes/wish-event-bus';
import { WishesModule } from '../wishes/wishes.module';
import { NotificationsController, SubscriptionsController } from './notifications.controller';
import { NotificationsService, SUBSCRIBE_TOPIC } from './notifications.service';
import { SubscribeMessageSender } from './subscribe-message.sender';
import { SubscriptionCreditsService } from './subscription-credits.service';
import { WishNotifier } from './wish-notifier';

/**
 * Notifications: the in-app inbox, subscription credits and WeChat subscribe messages. Wish
 * transitions reach it through the WishEventBus (inside their transaction); messages leave through
 * the outbox.
 */
@Module({
  imports: [OutboxModule, WishesModule],
  controllers: [NotificationsController, SubscriptionsController],
  providers: [NotificationsService, SubscriptionCreditsService, SubscribeMessageSender, WishNotifier],
  exports: [NotificationsService],
})
export class NotificationsModule implements OnModuleInit {
  constructor(
    private readonly bus: WishEventBus,
    private readonly notifier: WishNotifier,
    private readonly worker: OutboxWorker,
    private readonly sender: SubscribeMessageSender,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('notifications', (m, event) => this.notifier.onWishEvent(m, event));
    this.worker.registerHandler(SUBSCRIBE_TOPIC, (payload, delivery) => this.sender.deliver(payload, delivery));
  }
}
