import { randomBytes } from 'node:crypto';
import { createStaffUser } from '../../src/cli/staff';
import { Notification } from '../../src/notifications/notification.entity';
import { createChild } from '../../src/regions/regions.service';
import { Region } from '../../src/regions/region.entity';
import { Unit, UnitPairing } from '../../src/units/unit.entity';
import { MemberRegistration } from '../../src/members/member-registration.entity';
import { FieldCipher } from '../../src/common/crypto/field-cipher';
import { devLogin, Session } from '../support/auth';
import { WishDriver } from '../support/dashboard-world';
import type { FakeWechat } from '../support/fake-wechat';
import { TEMPLATES_JSON } from '../support/notifications';
import { allowFulfilWithoutPhotos } from '../support/photos';
import type { TestApp } from '../support/test-app';
import { buildWishWorld, newMember, WishWorld } from '../support/wish-world';
import { ROLE_NAMES, RoleName, TargetName } from './access-matrix';

/** What the security suites need besides the default test environment. */
export function securityEnv(wechat: FakeWechat): Record<string, string> {
  return {
    ...wechat.env(),
    WECHAT_TEMPLATES: TEMPLATES_JSON,
    WECHAT_PUSH_TOKEN: 'pushTokenForTests',
    // The matrix and the fuzzer claim and submit far more than a real member or resident would.
    CLAIM_LIMIT: '100',
    RESIDENT_OPEN_WISH_LIMIT: '1000',
    RESIDENT_DAILY_SUBMISSIONS: '1000',
  };
}

/** The resident's secrets: a view may contain them only where the matrix says the role is entitled. */
export const RESIDENT_SECRETS = { phone: '13800001111', address: '甲一社区 3 号楼 301', openid: 'dev:resident-a' };
export const OFFICE_PASSWORD = 'correct-horse-battery-9';

/**
 * The fixture world of the security suites: the wish world's cast mapped onto the matrix roles,
 * plus factories that build, per request, a fresh object in community A1 in the state a route
 * needs (so a state-changing request by one role never changes what the next role finds).
 */
export class SecurityWorld {
  readonly drive: WishDriver;
  private counter = 0;

  private constructor(
    readonly t: TestApp,
    readonly w: WishWorld,
    readonly wechat: FakeWechat,
    /** A claimed wish of resident A held by the member registered here: the read target. */
    readonly claimedWishId: number,
    readonly uploadId: string,
    readonly notificationId: number,
  ) {
    this.drive = new WishDriver(t);
  }

  static async build(t: TestApp, wechat: FakeWechat): Promise<SecurityWorld> {
    const w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t, w.communityA1.id, w.communityA2.id, w.communityB1.id);
    await createStaffUser(t.app, { username: 'office-a1', password: OFFICE_PASSWORD, name: '甲一办', roles: [{ role: 'community_admin', regionId: w.communityA1.id }] });
    const drive = new WishDriver(t);
    const claimed = await drive.submit(w.residentA, w.communityA1.id);
    await drive.approve(claimed, w.adminA1);
    await drive.claim(claimed, w.memberA1);
    const upload = await t.http.post('/api/v1/uploads').set(w.residentA.auth).attach('file', await tinyPng(), 'p.png');
    if (upload.status !== 201) throw new Error(`upload: ${upload.status} ${JSON.stringify(upload.body)}`);
    const notification = await t.dataSource.getRepository(Notification).findOne({ where: { userId: w.residentA.userId }, order: { id: 'ASC' } });
    if (!notification) throw new Error('resident A has no notification after an approval');
    return new SecurityWorld(t, w, wechat, claimed, upload.body.id, notification.id);
  }

  session(role: Exclude<RoleName, 'anonymous'>): Session {
    const w = this.w;
    return {
      residentA: w.residentA,
      residentB: w.residentB,
      memberHere: w.memberA1,
      memberElsewhere: w.memberA2,
      adminHere: w.adminA1,
      adminElsewhere: w.adminA2,
      streetAdmin: w.adminStreetA,
      unitAdmin: w.unitAdminGov,
    }[role];
  }

  /** A new user with the same standing as `role` (for routes that consume the caller: DELETE /me, submissions). */
  async cloneOf(role: Exclude<RoleName, 'anonymous'>): Promise<Session> {
    const w = this.w;
    const openid = `clone-${role}-${this.next()}`;
    switch (role) {
      case 'residentA':
      case 'residentB':
        return devLogin(this.t.http, openid, [], '克隆居民');
      case 'memberHere':
        return newMember(this.t, openid, [w.communityA1.id], w.unitGov.id, '克隆党员');
      case 'memberElsewhere':
        return newMember(this.t, openid, [w.communityA2.id], w.unitGov.id, '克隆党员');
      case 'adminHere':
        return devLogin(this.t.http, openid, [{ role: 'community_admin', regionId: w.communityA1.id }]);
      case 'adminElsewhere':
        return devLogin(this.t.http, openid, [{ role: 'community_admin', regionId: w.communityA2.id }]);
      case 'streetAdmin':
        return devLogin(this.t.http, openid, [{ role: 'region_admin', regionId: w.streetA.id }]);
      case 'unitAdmin':
        return devLogin(this.t.http, openid, [{ role: 'unit_admin', unitId: w.unitGov.id }]);
    }
  }

  next(): number {
    this.counter += 1;
    return this.counter;
  }

  /** Builds the path parameters (and extra body values) a row's target names. */
  async target(name: TargetName): Promise<Record<string, string | number>> {
    const { w, drive } = this;
    const a1 = w.communityA1.id;
    switch (name) {
      case 'none':
        return {};
      case 'communityA1':
        return { id: a1 };
      case 'unitGov':
        return { id: w.unitGov.id };
      case 'asset':
        return { file: 'app.js' };
      case 'claimedWish':
        return { id: this.claimedWishId };
      case 'upload':
        return { id: this.uploadId };
      case 'notification':
        return { id: this.notificationId };
      case 'pendingWish':
        return { id: await drive.submit(w.residentA, a1) };
      case 'openWish': {
        const id = await drive.submit(w.residentA, a1);
        await drive.approve(id, w.adminA1);
        return { id };
      }
      case 'freshClaimedWish': {
        const { id } = await this.target('openWish');
        await drive.claim(Number(id), w.memberA1);
        return { id };
      }
      case 'fulfilledWish': {
        const { id } = await this.target('freshClaimedWish');
        await drive.fulfil(Number(id), w.memberA1);
        return { id };
      }
      case 'fulfilledOfflineWish': {
        const id = await drive.offline(w.adminA1, a1);
        await drive.claim(id, w.memberA1);
        await drive.fulfil(id, w.memberA1);
        return { id };
      }
      case 'pendingRegistration': {
        const applicant = await devLogin(this.t.http, `applicant-${this.next()}`, [{ role: 'member' }]);
        const cipher = this.t.app.get(FieldCipher);
        const row = await this.t.dataSource.getRepository(MemberRegistration).save({
          userId: applicant.userId,
          unitId: w.unitGov.id,
          communityId: a1,
          name: '申请人',
          phoneCipher: cipher.encrypt('13922223333'),
          skills: [],
          status: 'pending',
          openSlot: 1,
          decisionReason: null,
          decidedBy: null,
          decidedAt: null,
          createdAt: this.t.clock.now(),
        });
        return { id: row.id };
      }
      case 'emptyGrid': {
        const grid = await createChild(this.t.dataSource.getRepository(Region), a1, `网格${this.next()}`, this.t.clock.now());
        return { id: grid.id };
      }
      case 'unitInA1': {
        const unit = await this.t.dataSource.getRepository(Unit).save({ name: `共建单位${this.next()}-${randomBytes(3).toString('hex')}`, kind: 'enterprise', regionId: a1, createdAt: this.t.clock.now() });
        return { id: unit.id };
      }
      case 'pairedUnitInA1': {
        const { id } = await this.target('unitInA1');
        await this.t.dataSource.getRepository(UnitPairing).save({ unitId: Number(id), communityId: a1, createdAt: this.t.clock.now() });
        return { id, communityId: a1 };
      }
      case 'refreshToken': {
        const session = await devLogin(this.t.http, `refresher-${this.next()}`);
        return { refreshToken: session.refreshToken };
      }
    }
  }

  /** Every role, each with its session (anonymous has none). */
  sessions(): Array<[RoleName, Session | undefined]> {
    return ROLE_NAMES.map((role) => [role, role === 'anonymous' ? undefined : this.session(role)]);
  }
}

/** A 1×1 PNG, generated once. */
let png: Buffer | undefined;
export async function tinyPng(): Promise<Buffer> {
  if (!png) {
    const sharp = (await import('sharp')).default;
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 120, b: 40 } } }).png().toBuffer();
  }
  return png;
}
