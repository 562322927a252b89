import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller';
import { AuditLog } from './audit-log.entity';
import { AuditService } from './audit.service';
import { RequestContextInterceptor } from './request-context.interceptor';

/**
 * The audit log of office actions. Global, so the features whose use cases record into it (wishes,
 * members, dashboard) need not import it; the interceptor gives every request its RequestContext.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLog])],
  controllers: [AuditController],
  providers: [AuditService, { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor }],
  exports: [AuditService],
})
export class AuditModule {}
