import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { CurrentUser, Public, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { CreateRegionBody, RegionView, UpdateRegionBody } from './dto/region.dto';
import { RegionsService } from './regions.service';

@ApiTags('regions')
@Controller('regions')
export class RegionsController {
  constructor(private readonly regions: RegionsService) {}

  @Get()
  @Public()
  @ApiOkResponse({ type: [RegionView], description: 'Top-level regions (cities)' })
  roots(): Promise<RegionView[]> {
    return this.regions.roots();
  }

  @Get(':id')
  @Public()
  @ApiOkResponse({ type: RegionView })
  get(@Param('id', ParseIdPipe) id: number): Promise<RegionView> {
    return this.regions.get(id);
  }

  @Get(':id/children')
  @Public()
  @ApiOkResponse({ type: [RegionView] })
  children(@Param('id', ParseIdPipe) id: number): Promise<RegionView[]> {
    return this.regions.children(id);
  }
}

@ApiTags('admin: regions')
@Controller('admin/regions')
@RequireRoles('region_admin', 'community_admin')
export class AdminRegionsController {
  constructor(private readonly regions: RegionsService) {}

  @Post()
  @ApiOkResponse({ type: RegionView })
  create(@CurrentUser() user: Principal, @Body() body: CreateRegionBody): Promise<RegionView> {
    return this.regions.create(user, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: RegionView })
  update(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: UpdateRegionBody): Promise<RegionView> {
    return this.regions.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.regions.remove(user, id);
  }
}
