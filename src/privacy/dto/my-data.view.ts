import { ApiProperty } from '@nestjs/swagger';
import { RoleClaimView } from '../../users/dto/me.dto';

/** The person's own data, as `GET /me/export` hands it out (PIPL 第四十五条: the right to a copy). */
export class MyProfileExport {
  @ApiProperty() id!: number;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty({ nullable: true, type: Number }) communityId!: number | null;
  @ApiProperty({ nullable: true, type: String }) username!: string | null;
  @ApiProperty() wechatBound!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class MyRegistrationExport {
  @ApiProperty() id!: number;
  @ApiProperty() unitId!: number;
  @ApiProperty() communityId!: number;
  @ApiProperty() name!: string;
  @ApiProperty() phone!: string;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true, type: String }) decisionReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
}

export class MyWishEventExport {
  @ApiProperty() wishId!: number;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) fromStatus!: string | null;
  @ApiProperty() toStatus!: string;
  @ApiProperty({ description: 'resident, member, community_admin, region_admin or system (staff are not named)' }) actorRole!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class MyWishExport {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty() category!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() status!: string;
  @ApiProperty() channel!: string;
  @ApiProperty() communityId!: number;
  @ApiProperty({ description: 'As written on the wish' }) residentName!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty({ nullable: true, type: Number }) estimatedCost!: number | null;
  @ApiProperty({ nullable: true, type: String }) expectedBy!: string | null;
  @ApiProperty({ type: [String] }) photoIds!: string[];
  @ApiProperty({ nullable: true, type: String }) fulfilmentNote!: string | null;
  @ApiProperty({ nullable: true, type: Number }) rating!: number | null;
  @ApiProperty({ nullable: true, type: String }) ratingComment!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) closedAt!: string | null;
}

export class MyClaimExport {
  @ApiProperty() wishId!: number;
  @ApiProperty() title!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) claimedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) fulfilledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) fulfilmentNote!: string | null;
}

export class MyNotificationExport {
  @ApiProperty() kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ nullable: true, type: Number }) wishId!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) readAt!: string | null;
}

export class MyDataExport {
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ type: MyProfileExport }) profile!: MyProfileExport;
  @ApiProperty({ type: [RoleClaimView] }) roles!: RoleClaimView[];
  @ApiProperty({ type: [MyRegistrationExport], description: '双报到 registrations (members)' }) registrations!: MyRegistrationExport[];
  @ApiProperty({ type: [MyWishExport], description: 'Wishes posted by the person, in full' }) wishes!: MyWishExport[];
  @ApiProperty({ type: [MyWishEventExport], description: 'The history of those wishes' }) events!: MyWishEventExport[];
  @ApiProperty({ type: [MyClaimExport], description: 'Wishes the person claimed as a member (without the residents\' contact)' }) claims!: MyClaimExport[];
  @ApiProperty({ type: [MyNotificationExport] }) notifications!: MyNotificationExport[];
}
