import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { rawExecute } from '../database/raw-query';
import { WishEventBus } from '../wishes/wish-event-bus';
import { WishesModule } from '../wishes/wishes.module';
import { DashboardController } from './dashboard.controller';
import { DashboardPageController } from './dashboard-page.controller';
import { DashboardScope } from './dashboard-scope';
import { DashboardService } from './dashboard.service';
import { LedgerExportService } from './ledger-export.service';
import { OverdueService } from './overdue.service';
import { QuotaService } from './quota.service';
import { RollupReader } from './rollup-reader';
import { DASHBOARD_ENTITIES } from './rollup/rollup.entities';
import { RollupStore } from './rollup/rollup-store';
import { RollupWorker } from './rollup/rollup.worker';

/**
 * The office dashboard: rollups kept from wish events (queued in each transition's transaction,
 * applied by RollupWorker within seconds), the JSON API that reads them, and the page at /dashboard.
 */
@Module({
  imports: [TypeOrmModule.forFeature(DASHBOARD_ENTITIES), WishesModule],
  controllers: [DashboardController, DashboardPageController],
  providers: [DashboardScope, DashboardService, OverdueService, QuotaService, LedgerExportService, RollupReader, RollupStore, RollupWorker],
  exports: [RollupWorker],
})
export class DashboardModule implements OnModuleInit {
  constructor(private readonly bus: WishEventBus) {}

  onModuleInit(): void {
    // One queue row per event, in the transition's transaction: cheap, and never a shared hot row.
    // Raw: it is written on every transition (issue #7).
    this.bus.subscribe('rollups', async (manager, event) => {
      await rawExecute(manager, 'INSERT INTO dashboard_rollup_queue (event_id, enqueued_at) VALUES (:eventId, :enqueuedAt)', { eventId: event.id, enqueuedAt: event.at });
    });
  }
}
