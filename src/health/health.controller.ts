import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators';
import { CommonErrors } from '../common/errors/domain-error';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  /**
   * 200 with Terminus' report when the database answers a ping within 1.5 s. Otherwise Terminus
   * throws a bare 503, which the global filter would report as a 500 INTERNAL_ERROR; it becomes the
   * coded 503 DATABASE_UNAVAILABLE with `details: { database: 'down' }` (the driver's message,
   * which names hosts and ports, stays in the log).
   */
  @Get()
  @HealthCheck()
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw CommonErrors.DATABASE_UNAVAILABLE.error(undefined, { database: 'down' });
      throw error;
    }
  }
}
