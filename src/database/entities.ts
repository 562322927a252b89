import { AuditLog } from '../audit/audit-log.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { DASHBOARD_ENTITIES } from '../dashboard/rollup/rollup.entities';
import { Upload } from '../media/upload.entity';
import { MemberRegistration } from '../members/member-registration.entity';
import { NoticeSent, Notification, SubscriptionCredit } from '../notifications/notification.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { Region } from '../regions/region.entity';
import { Unit, UnitPairing } from '../units/unit.entity';
import { RoleGrant, User } from '../users/user.entity';
import { WechatToken } from '../wechat/wechat-token.entity';
import { WishEvent } from '../wishes/wish-event.entity';
import { MemberClaimLoad, Wish } from '../wishes/wish.entity';

/** Every entity, in one list shared by Nest and the migration CLI. */
export const ENTITIES = [Region, Unit, UnitPairing, User, RoleGrant, RefreshToken, MemberRegistration, Wish, WishEvent, MemberClaimLoad, OutboxMessage, Notification, SubscriptionCredit, NoticeSent, WechatToken, Upload, ...DASHBOARD_ENTITIES, AuditLog];
