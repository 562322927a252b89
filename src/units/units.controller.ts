import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { CreateUnitBody, PairingBody, UnitListQuery, UnitView, UpdateUnitBody } from './dto/unit.dto';
import { UnitsService } from './units.service';

@ApiTags('units')
@Controller('units')
@Authenticated()
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Get()
  @ApiOkResponse({ type: [UnitView] })
  list(@Query() query: UnitListQuery): Promise<UnitView[]> {
    return this.units.list(query.communityId);
  }

  @Get(':id')
  @ApiOkResponse({ type: UnitView })
  get(@Param('id', ParseIdPipe) id: number): Promise<UnitView> {
    return this.units.get(id);
  }
}

@ApiTags('admin: units')
@Controller('admin/units')
@RequireRoles('region_admin', 'community_admin')
export class AdminUnitsController {
  constructor(private readonly units: UnitsService) {}

  @Post()
  @ApiOkResponse({ type: UnitView })
  create(@CurrentUser() user: Principal, @Body() body: CreateUnitBody): Promise<UnitView> {
    return this.units.create(user, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UnitView })
  update(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: UpdateUnitBody): Promise<UnitView> {
    return this.units.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.units.remove(user, id);
  }

  @Post(':id/pairings')
  @HttpCode(200)
  @ApiOkResponse({ type: UnitView })
  pair(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: PairingBody): Promise<UnitView> {
    return this.units.pair(user, id, body.communityId);
  }

  @Delete(':id/pairings/:communityId')
  @ApiOkResponse({ type: UnitView })
  unpair(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Param('communityId', ParseIdPipe) communityId: number): Promise<UnitView> {
    return this.units.unpair(user, id, communityId);
  }
}
