import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { maskName } from '../../common/masking';
import { photoUrl } from '../../media/dto/upload.view';
import type { WishCard } from '../wish-read.repository';
import { WISH_CATEGORIES, WISH_CHANNELS, WISH_KINDS, WishCategory, WishChannel, WishKind } from '../wish.entity';
import { WishEvent } from '../wish-event.entity';
import { STATUS_LABEL, WISH_ACTIONS, WISH_STATUSES, WishAction, WishStatus } from '../wish-state';

export class PhotoRef {
  @ApiProperty() id!: string;
  @ApiProperty({ example: '/api/v1/uploads/Qm9vdHN0cmFwUGhvdG8xMg', description: 'GET with the bearer token' }) url!: string;
}

export class WishContact {
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
}

export class WishClaimer {
  @ApiProperty() id!: number;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
}

export class WishView {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: WISH_CATEGORIES }) category!: WishCategory;
  @ApiProperty({ enum: WISH_KINDS }) kind!: WishKind;
  @ApiProperty({ enum: WISH_STATUSES }) status!: WishStatus;
  @ApiProperty({ example: '已认领' }) statusLabel!: string;
  @ApiProperty({ enum: WISH_CHANNELS }) channel!: WishChannel;
  @ApiProperty() communityId!: number;
  @ApiProperty() communityName!: string;
  @ApiProperty({ example: '张*兰', description: 'Always masked' }) residentName!: string;
  @ApiPropertyOptional({ type: Number }) estimatedCost?: number;
  @ApiPropertyOptional({ example: '2026-12-31' }) expectedBy?: string;
  @ApiProperty({ type: [PhotoRef], description: 'Photos that passed the content check (all of them for their uploader and offices in scope)' }) photos!: PhotoRef[];
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() reviewedAt?: string;
  @ApiPropertyOptional() claimedAt?: string;
  @ApiPropertyOptional() fulfilledAt?: string;
  @ApiPropertyOptional() completedAt?: string;
  @ApiPropertyOptional({ description: 'When it was withdrawn, cancelled or rejected' }) closedAt?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) rating?: number;
  @ApiPropertyOptional() ratingComment?: string;
  @ApiPropertyOptional() fulfilmentNote?: string;
  @ApiPropertyOptional({ type: [PhotoRef] }) fulfilmentPhotos?: PhotoRef[];
  @ApiPropertyOptional({ type: WishContact, description: 'Only for the member holding the claim and offices in scope' }) contact?: WishContact;
  @ApiPropertyOptional({ type: WishClaimer, description: 'For the resident, the claimer and offices' }) claimer?: WishClaimer;
}

export class WishPage {
  @ApiProperty({ type: [WishView] }) items!: WishView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class WishEventView {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: WISH_ACTIONS }) action!: WishAction;
  @ApiProperty({ enum: WISH_STATUSES, nullable: true }) fromStatus!: WishStatus | null;
  @ApiProperty({ enum: WISH_STATUSES }) toStatus!: WishStatus;
  @ApiProperty({ example: 'member' }) actorRole!: string;
  @ApiPropertyOptional({ description: 'Offices only' }) actorId?: number;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty() at!: string;
}

/** What the viewer may see beyond the public fields; `contact` carries the resident's contact only when they may see it. */
export interface WishViewerRights {
  contact: { phone: string | null; address: string | null } | false;
  claimer: boolean;
}

/** Photos in their stored order, leaving out those the viewer may not see (not yet passed by the content check). */
const photos = (ids: string[], visible: ReadonlySet<string>) => ids.filter((id) => visible.has(id)).map((id) => ({ id, url: photoUrl(id) }));

/**
 * Entities never leave the service: this is the one place a wish becomes an answer, and where
 * masking happens. `visiblePhotos` are the photo ids this viewer may see (UploadsService.visibleIds).
 * Optional fields are set only when they have a value (absent, not null, in the JSON).
 */
export function toWishView(wish: WishCard, rights: WishViewerRights, visiblePhotos: ReadonlySet<string>): WishView {
  const view: WishView = {
    id: wish.id,
    title: wish.title,
    description: wish.description,
    category: wish.category,
    kind: wish.kind,
    status: wish.status,
    statusLabel: STATUS_LABEL[wish.status],
    channel: wish.channel,
    communityId: wish.communityId,
    communityName: wish.communityName,
    residentName: maskName(wish.residentName),
    photos: photos(wish.photoIds, visiblePhotos),
    createdAt: wish.createdAt.toISOString(),
  };
  if (wish.estimatedCost !== null) view.estimatedCost = wish.estimatedCost;
  if (wish.expectedBy) view.expectedBy = wish.expectedBy;
  if (wish.reviewedAt) view.reviewedAt = wish.reviewedAt.toISOString();
  if (wish.claimedAt) view.claimedAt = wish.claimedAt.toISOString();
  if (wish.fulfilledAt) view.fulfilledAt = wish.fulfilledAt.toISOString();
  if (wish.completedAt) view.completedAt = wish.completedAt.toISOString();
  if (wish.closedAt) view.closedAt = wish.closedAt.toISOString();
  if (wish.rating !== null) view.rating = wish.rating;
  if (wish.ratingComment) view.ratingComment = wish.ratingComment;
  if (wish.fulfilmentNote) view.fulfilmentNote = wish.fulfilmentNote;
  const evidence = photos(wish.fulfilmentPhotoIds, visiblePhotos);
  if (evidence.length > 0) view.fulfilmentPhotos = evidence;
  if (rights.contact) view.contact = { name: wish.residentName, phone: rights.contact.phone, address: rights.contact.address };
  if (rights.claimer && wish.claimerId) view.claimer = { id: wish.claimerId, name: wish.claimerName };
  return view;
}

export function toEventView(event: WishEvent, showActor: boolean): WishEventView {
  return {
    id: event.id,
    action: event.action,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    actorRole: event.actorRole,
    ...(showActor && event.actorId !== null ? { actorId: event.actorId } : {}),
    reason: event.reason,
    at: event.at.toISOString(),
  };
}
