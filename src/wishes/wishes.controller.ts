import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { ConfirmBody, EditWishBody, FulfilBody, OptionalReasonBody, ReasonBody, StatusPageQuery, SubmitWishBody, WishListQuery } from './dto/wish.dto';
import { WishEventView, WishPage, WishView } from './dto/wish.view';
import { WishQueries } from './wish-queries.service';
import { WishSubmissions } from './wish-submissions.service';
import { WishService } from './wish.service';
import { WishErrors } from './wish.errors';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;

@ApiTags('wishes')
@Controller('wishes')
@Authenticated()
export class WishesController {
  constructor(
    private readonly wishes: WishService,
    private readonly queries: WishQueries,
    private readonly submissions: WishSubmissions,
  ) {}

  @Post()
  @RequireRoles('resident')
  @RateLimit('submit')
  @ApiOperation({
    summary: 'Submit a wish (resident)',
    description:
      '201 with status pending_review, or open where the community auto-approves. Send an Idempotency-Key: a repeat with the same key returns the first wish (header Idempotent-Replayed: true). Errors: WISH_OPEN_LIMIT_REACHED 409, WISH_DAILY_LIMIT_REACHED 429, WISH_COST_OVER_CAP 422, REGION_NOT_A_COMMUNITY 422.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '8–64 characters [A-Za-z0-9_-], unique per submission attempt' })
  @ApiCreatedResponse({ type: WishView })
  async submit(
    @CurrentUser() user: Principal,
    @Body() body: SubmitWishBody,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WishView> {
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw WishErrors.IDEMPOTENCY_KEY_INVALID.error();
    const { wish, replayed } = await this.submissions.submit(user, body, key);
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return wish;
  }

  @Get('mine')
  @ApiOperation({ summary: 'My wishes (resident), newest first' })
  @ApiOkResponse({ type: WishPage })
  mine(@CurrentUser() user: Principal, @Query() query: StatusPageQuery): Promise<WishPage> {
    return this.queries.mine(user, query);
  }

  @Get()
  @RequireRoles('member', 'community_admin', 'region_admin')
  @ApiOperation({ summary: 'The wish wall: members see their registered communities (open by default), offices their subtree. Names masked, no contact.' })
  @ApiOkResponse({ type: WishPage })
  wall(@CurrentUser() user: Principal, @Query() query: WishListQuery): Promise<WishPage> {
    return this.queries.wall(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Wish detail; contact only for the member holding the claim and offices in scope' })
  @ApiOkResponse({ type: WishView })
  get(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<WishView> {
    return this.queries.get(user, id);
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Timeline of the wish' })
  @ApiOkResponse({ type: [WishEventView] })
  events(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<WishEventView[]> {
    return this.queries.events(user, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit title/description (resident, while pending_review or open)' })
  @ApiOkResponse({ type: WishView })
  edit(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: EditWishBody): Promise<WishView> {
    return this.wishes.edit(user, id, body);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw (resident, before fulfilled)' })
  @ApiOkResponse({ type: WishView })
  withdraw(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: OptionalReasonBody): Promise<WishView> {
    return this.wishes.withdraw(user, id, body.reason);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm fulfilment and rate 1–5 (resident)' })
  @ApiOkResponse({ type: WishView })
  confirm(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ConfirmBody): Promise<WishView> {
    return this.wishes.confirm(user, id, body, 'resident');
  }

  @Post(':id/dispute')
  @HttpCode(200)
  @ApiOperation({ summary: 'Not fulfilled after all: back to the claimer (resident)' })
  @ApiOkResponse({ type: WishView })
  dispute(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.dispute(user, id, body.reason, 'resident');
  }

  @Post(':id/claim')
  @HttpCode(200)
  @RequireRoles('member')
  @ApiOperation({ summary: 'Claim an open wish (registered member)', description: 'Errors: WISH_ALREADY_CLAIMED 409, MEMBER_NOT_REGISTERED 403, CLAIM_LIMIT_REACHED 409, WISH_CLAIM_OWN 409' })
  @ApiOkResponse({ type: WishView })
  claim(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<WishView> {
    return this.wishes.claim(user, id);
  }

  @Post(':id/release')
  @HttpCode(200)
  @RequireRoles('member')
  @ApiOperation({ summary: 'Give a claimed wish back (the claimer), with a reason' })
  @ApiOkResponse({ type: WishView })
  release(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: ReasonBody): Promise<WishView> {
    return this.wishes.release(user, id, body.reason, 'member');
  }

  @Post(':id/fulfil')
  @HttpCode(200)
  @RequireRoles('member')
  @ApiOperation({ summary: 'Report back (the claimer) with a note and optional photo ids' })
  @ApiOkResponse({ type: WishView })
  fulfil(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number, @Body() body: FulfilBody): Promise<WishView> {
    return this.wishes.fulfil(user, id, body);
  }
}

@ApiTags('members')
@Controller('members/me')
@RequireRoles('member')
export class MemberClaimsController {
  constructor(private readonly queries: WishQueries) {}

  @Get('claims')
  @ApiOperation({ summary: 'Wishes I claimed (any status), newest first' })
  @ApiOkResponse({ type: WishPage })
  claims(@CurrentUser() user: Principal, @Query() query: StatusPageQuery): Promise<WishPage> {
    return this.queries.claims(user, query);
  }
}
