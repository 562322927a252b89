import { Region } from '../../src/regions/region.entity';
import { RollupWorker } from '../../src/dashboard/rollup/rollup.worker';
import type { Session } from './auth';
import type { TestApp } from './test-app';
import { wishBody } from './wish-world';

/** Drives wishes through the real HTTP API, as the dashboard suites need them. */
export class WishDriver {
  constructor(private readonly t: TestApp) {}

  post(path: string, who: Session, body: object = {}) {
    return this.t.http.post(`/api/v1${path}`).set(who.auth).send(body);
  }

  private async ok(path: string, who: Session, body: object = {}): Promise<Record<string, unknown>> {
    const response = await this.post(path, who, body);
    if (response.status !== 200 && response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  }

  async submit(who: Session, communityId: number, overrides: Record<string, unknown> = {}): Promise<number> {
    return (await this.ok('/wishes', who, wishBody(communityId, overrides))).id as number;
  }

  async offline(admin: Session, communityId: number, overrides: Record<string, unknown> = {}): Promise<number> {
    const body = { ...wishBody(communityId, overrides), resident: { name: '王秀英', phone: '13700002222', address: '12 号楼 401' } };
    return (await this.ok('/admin/wishes', admin, body)).id as number;
  }

  approve = (id: number, admin: Session) => this.ok(`/admin/wishes/${id}/approve`, admin);
  reject = (id: number, admin: Session) => this.ok(`/admin/wishes/${id}/reject`, admin, { reason: '不属于微心愿范围' });
  claim = (id: number, member: Session) => this.ok(`/wishes/${id}/claim`, member);
  release = (id: number, member: Session) => this.ok(`/wishes/${id}/release`, member, { reason: '临时出差，无法完成' });
  fulfil = (id: number, member: Session) => this.ok(`/wishes/${id}/fulfil`, member, { note: '已经办好了' });
  confirm = (id: number, resident: Session, rating: number) => this.ok(`/wishes/${id}/confirm`, resident, { rating });
  dispute = (id: number, resident: Session) => this.ok(`/wishes/${id}/dispute`, resident, { reason: '还没有修好' });
  withdraw = (id: number, resident: Session) => this.ok(`/wishes/${id}/withdraw`, resident, { reason: '不需要了' });
  cancel = (id: number, admin: Session) => this.ok(`/admin/wishes/${id}/cancel`, admin, { reason: '居民已搬走' });
  assign = (id: number, admin: Session, memberId: number) => this.ok(`/admin/wishes/${id}/assign`, admin, { memberId, reason: '就近安排' });
}

/** Applies every queued event to the rollups, as the running service's worker does within seconds. */
export function drain(t: TestApp): Promise<number> {
  return t.app.get(RollupWorker).drainOnce();
}

/**
 * Communities require a fulfilment photo by default where that setting exists; the dashboard
 * suites fulfil without photos (uploads are tested elsewhere).
 */
export async function allowFulfilWithoutPhotos(t: TestApp): Promise<void> {
  if (t.dataSource.getMetadata(Region).findColumnWithPropertyName('requireFulfilmentPhotos')) {
    await t.dataSource.getRepository(Region).createQueryBuilder().update().set({ requireFulfilmentPhotos: false } as never).where('1 = 1').execute();
  }
}
