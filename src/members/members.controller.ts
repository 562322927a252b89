import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { RegistrationBody, RegistrationListQuery, RegistrationPage, RegistrationView, RejectBody } from './dto/registration.dto';
import { RegistrationsService } from './registrations.service';

@ApiTags('members')
@Controller('members')
@Authenticated()
export class MembersController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Post('registrations')
  @ApiOperation({ summary: '双报到: register with a community through your unit', description: 'Errors: REGISTRATION_EXISTS 409, REGION_NOT_A_COMMUNITY 422, UNIT_NOT_FOUND 404' })
  @ApiCreatedResponse({ type: RegistrationView })
  register(@CurrentUser() user: Principal, @Body() body: RegistrationBody): Promise<RegistrationView> {
    return this.registrations.register(user, body);
  }

  @Get('registrations/mine')
  @ApiOkResponse({ type: [RegistrationView] })
  mine(@CurrentUser() user: Principal): Promise<RegistrationView[]> {
    return this.registrations.mine(user);
  }
}

@ApiTags('admin: registrations')
@Controller('admin/registrations')
@RequireRoles('community_admin', 'region_admin', 'unit_admin')
export class AdminRegistrationsController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Get()
  @ApiOperation({ summary: 'Registrations in your scope (region subtree or your units)' })
  @ApiOkResponse({ type: RegistrationPage })
  list(@CurrentUser() user: Principal, @Query() query: RegistrationListQuery): Promise<RegistrationPage> {
    return this.registrations.listForAdmin(user, query);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve (community office of that community or above)', description: 'Errors: REGISTRATION_NOT_FOUND 404, REGISTRATION_NOT_PENDING 409' })
  @ApiOkResponse({ type: RegistrationView })
  approve(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<RegistrationView> {
    return this.registrations.approve(user, id);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject with a reason', description: 'Errors: REGISTRATION_NOT_FOUND 404, REGISTRATION_NOT_PENDING 409' })
  @ApiOkResponse({ type: RegistrationView })
  reject(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: RejectBody): Promise<RegistrationView> {
    return this.registrations.reject(user, id, body.reason);
  }
}
