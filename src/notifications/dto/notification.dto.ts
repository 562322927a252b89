import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsString, Matches } from 'class-validator';
import { Optional } from '../../common/http/dto-rules';
import { PageQuery } from '../../common/pagination';
import { NOTIFICATION_KINDS, NotificationKind } from '../wechat-templates';

export class InboxQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only unread notifications' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}

export class NotificationView {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind!: NotificationKind;
  @ApiProperty({ example: '心愿已被认领' }) title!: string;
  @ApiProperty({ example: '你的心愿「一个电饭煲」已由党员陈建国认领，对方会尽快与你联系。' }) body!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The wish it is about (null for digests)' }) wishId!: number | null;
  @ApiProperty() read!: boolean;
  @ApiProperty({ nullable: true, type: String }) readAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class NotificationPage {
  @ApiProperty({ type: [NotificationView] }) items!: NotificationView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
  @ApiProperty({ description: 'Unread notifications in all (for the badge)' }) unreadCount!: number;
}

export class ReadAllView {
  @ApiProperty({ description: 'Notifications marked read by this call' }) updated!: number;
}

/** A template id as WeChat issues them. */
const TEMPLATE_ID = /^[A-Za-z0-9_-]{10,64}$/;

export class SubscribeBody {
  @ApiProperty({
    type: [String],
    maxItems: 10,
    description: 'The template ids the user accepted in one wx.requestSubscribeMessage call (its result entries equal to "accept"); each adds one message of that template.',
  })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ArrayUnique() @IsString({ each: true }) @Matches(TEMPLATE_ID, { each: true })
  templateIds!: string[];
}

export class SubscriptionView {
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind!: NotificationKind;
  @ApiProperty() templateId!: string;
  @ApiProperty({ description: 'Messages of this template WeChat will still deliver to this user' }) credits!: number;
}

export class SubscriptionsView {
  @ApiProperty({ type: [SubscriptionView], description: 'Every template in use, to pass to wx.requestSubscribeMessage' }) templates!: SubscriptionView[];
}
