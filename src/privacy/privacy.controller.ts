import { Controller, Delete, Get, HttpCode, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { MyDataExport } from './dto/my-data.view';
import { PrivacyService } from './privacy.service';

@ApiTags('me')
@Controller('me')
@Authenticated()
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get('export')
  @ApiOperation({ summary: 'A copy of my data (profile, roles, registrations, my wishes in full with their history, my claims, my notifications) as a JSON download' })
  @ApiProduces('application/json')
  @ApiOkResponse({ type: MyDataExport })
  async export(@CurrentUser() user: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<MyDataExport> {
    const data = await this.privacy.export(user);
    void reply.header('content-disposition', `attachment; filename="my-data-${user.id}.json"`).header('cache-control', 'no-store');
    return data;
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete my account (注销): anonymises me and ends my sessions; wishes stay for the statistics',
    description:
      'Name, phone, address, WeChat ids and login are erased; the name on my wishes becomes 已注销用户. Pending or open wishes are withdrawn; claimed ones stay so the member can finish. ' +
      'Claims I hold as a member go back to open; my 双报到 registrations are withdrawn. Logging in again with the same WeChat account starts a new account. ' +
      'Access tokens already issued stay valid until they expire (JWT_ACCESS_TTL_SECONDS); refresh tokens are revoked at once.',
  })
  @ApiNoContentResponse({ description: 'Erased (also when it already was)' })
  async erase(@CurrentUser() user: Principal): Promise<void> {
    await this.privacy.erase(user);
  }
}
