import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller';
import { AuditLog } from './audit-log.entity';
import { AuditService } from './audit.service';

/**
 * The audit log of office actions. Global, so the features whose use cases record into it (wishes,
 * members, dashboard) need not import it. Where a request came from reaches it on the caller's
 * Principal (`origin`, set by the auth guard), passed in with each entry.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLog])],
  controllers: [AuditController],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
