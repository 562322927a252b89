import { Module } from '@nestjs/common';
import { OutboxService } from './outbox.service';
import { OutboxWorker } from './outbox.worker';

/** The transactional outbox: `OutboxService.enqueue` inside a transaction, `OutboxWorker` delivers. Feature modules register their topic handlers in onModuleInit. */
@Module({
  providers: [OutboxService, OutboxWorker],
  exports: [OutboxService, OutboxWorker],
})
export class OutboxModule {}
