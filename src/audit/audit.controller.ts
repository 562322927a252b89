import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from './audit.service';
import { AuditPage, AuditQuery } from './dto/audit.dto';

@ApiTags('audit')
@Controller('admin/audit')
@RequireRoles('region_admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'Audit log of office actions about the caller\'s subtree (region offices), newest first',
    description: 'Approve, reject, assign, cancel, offline entry, registration decisions, views of a resident\'s phone, ledger exports: who, what, when, from where.',
  })
  @ApiOkResponse({ type: AuditPage })
  list(@CurrentUser() user: Principal, @Query() query: AuditQuery): Promise<AuditPage> {
    return this.audit.list(user, query);
  }
}
