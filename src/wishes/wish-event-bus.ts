import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { WishEvent } from './wish-event.entity';

/**
 * Called inside the transaction that writes a wish_event, with that transaction's manager.
 * Listeners write their own rows (a rollup queue, an outbox of notifications…) so that what
 * happens because of a transition commits or rolls back with it. They must not call anything
 * outside the database (no HTTP, no WeChat): side effects run later, from what they wrote.
 */
export type WishEventListener = (manager: EntityManager, event: WishEvent) => Promise<void>;

/** Feature modules (dashboard rollups, notifications) subscribe here in `onModuleInit`. */
@Injectable()
export class WishEventBus {
  private readonly listeners: Array<{ name: string; listener: WishEventListener }> = [];

  subscribe(name: string, listener: WishEventListener): void {
    this.listeners.push({ name, listener });
  }

  async publishInTransaction(manager: EntityManager, event: WishEvent): Promise<void> {
    for (const { listener } of this.listeners) await listener(manager, event);
  }
}
