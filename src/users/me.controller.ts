import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { MeView, UpdateMeBody } from './dto/me.dto';
import { UsersService } from './users.service';

@ApiTags('me')
@Controller('me')
@Authenticated()
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: MeView })
  get(@CurrentUser() user: Principal): Promise<MeView> {
    return this.users.me(user);
  }

  @Patch()
  @ApiOkResponse({ type: MeView })
  update(@CurrentUser() user: Principal, @Body() body: UpdateMeBody): Promise<MeView> {
    return this.users.updateMe(user, body);
  }
}
