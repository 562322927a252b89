import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { AssignBody, ConfirmBody, OfflineWishBody, OptionalReasonBody, ReasonBody } from './dto/wish.dto';
import { WishView } from './dto/wish.view';
import { WishSubmissions } from './wish-submissions.service';
import { WishService } from './wish.service';

/** Office actions on wishes in the caller's region subtree; anything outside it answers 404. */
@ApiTags('admin: wishes')
@Controller('admin/wishes')
@RequireRoles('community_admin', 'region_admin')
export class AdminWishesController {
  constructor(
    private readonly wishes: WishService,
    private readonly submissions: WishSubmissions,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Enter a wish on behalf of a resident (线下入户走访 / hotline); published at once unless publish=false' })
  @ApiCreatedResponse({ type: WishView })
  enter(@CurrentUser() user: Principal, @Body() body: OfflineWishBody): Promise<WishView> {
    return this.submissions.submitOffline(user, body);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOkResponse({ type: WishView })
  approve(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: OptionalReasonBody): Promise<WishView> {
    return this.wishes.approve(user, id, body.reason);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOkResponse({ type: WishView })
  reject(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.reject(user, id, body.reason);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign an open wish to a registered member, or reassign a claimed one' })
  @ApiOkResponse({ type: WishView })
  assign(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: AssignBody): Promise<WishView> {
    return this.wishes.assign(user, id, body);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a claimed wish back from its member (open again)' })
  @ApiOkResponse({ type: WishView })
  release(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.release(user, id, body.reason, 'admin');
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: WishView })
  cancel(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.cancel(user, id, body.reason);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm and rate on behalf of a resident without the app (offline/hotline wishes only)' })
  @ApiOkResponse({ type: WishView })
  confirm(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ConfirmBody): Promise<WishView> {
    return this.wishes.confirm(user, id, body, 'admin');
  }

  @Post(':id/dispute')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dispute on behalf of a resident without the app (offline/hotline wishes only)' })
  @ApiOkResponse({ type: WishView })
  dispute(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.dispute(user, id, body.reason, 'admin');
  }
}
