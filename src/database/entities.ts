import { RefreshToken } from '../auth/refresh-token.entity';
import { MemberRegistration } from '../members/member-registration.entity';
import { Region } from '../regions/region.entity';
import { Unit, UnitPairing } from '../units/unit.entity';
import { RoleGrant, User } from '../users/user.entity';
import { WishEvent } from '../wishes/wish-event.entity';
import { MemberClaimLoad, Wish } from '../wishes/wish.entity';

/** Every entity, in one list shared by Nest and the migration CLI. */
export const ENTITIES = [Region, Unit, UnitPairing, User, RoleGrant, RefreshToken, MemberRegistration, Wish, WishEvent, MemberClaimLoad];
