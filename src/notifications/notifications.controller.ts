import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { InboxQuery, NotificationPage, NotificationView, ReadAllView, SubscribeBody, SubscriptionsView } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';
import { SubscriptionCreditsService } from './subscription-credits.service';

@ApiTags('notifications')
@Controller('me/notifications')
@Authenticated()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'My inbox, newest first. Every notification is here, whether or not WeChat delivered it as a subscribe message.' })
  @ApiOkResponse({ type: NotificationPage })
  list(@CurrentUser() user: Principal, @Query() query: InboxQuery): Promise<NotificationPage> {
    return this.notifications.list(user, query);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark every notification read' })
  @ApiOkResponse({ type: ReadAllView })
  readAll(@CurrentUser() user: Principal): Promise<ReadAllView> {
    return this.notifications.markAllRead(user);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one notification read (idempotent). Errors: NOTIFICATION_NOT_FOUND 404.' })
  @ApiOkResponse({ type: NotificationView })
  read(@CurrentUser() user: Principal, @Param('id', ParseIdPipe) id: number): Promise<NotificationView> {
    return this.notifications.markRead(user, id);
  }
}

@ApiTags('notifications')
@Controller('me/subscriptions')
@Authenticated()
export class SubscriptionsController {
  constructor(private readonly credits: SubscriptionCreditsService) {}

  @Get()
  @ApiOperation({ summary: 'The subscribe-message templates in use and how many messages of each I still allow' })
  @ApiOkResponse({ type: SubscriptionsView })
  list(@CurrentUser() user: Principal): Promise<SubscriptionsView> {
    return this.credits.list(user);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report the templates accepted in wx.requestSubscribeMessage',
    description: 'Each accepted template allows one more message of it (WeChat counts the same way). Errors: SUBSCRIPTION_TEMPLATE_UNKNOWN 422.',
  })
  @ApiOkResponse({ type: SubscriptionsView })
  add(@CurrentUser() user: Principal, @Body() body: SubscribeBody): Promise<SubscriptionsView> {
    return this.credits.add(user, body.templateIds);
  }
}
