import type { EntityManager } from 'typeorm';
import { FieldCipher } from '../common/crypto/field-cipher';
import { DAY, HOUR } from '../common/time/clock';
import type { Actor, WishAction, WishStatus } from '../wishes/wish-state';
import { checkTransition } from '../wishes/wish-state';
import type { WishCategory, WishChannel, WishKind } from '../wishes/wish.entity';
import { freshWishState, MemberClaimLoad, Wish } from '../wishes/wish.entity';
import type { WishRepository } from '../wishes/wish.repository';

export interface DemoCast {
  communities: Record<'yongan' | 'anlin' | 'chunguang', { id: number; path: string }>;
  residents: Record<'zhang' | 'li' | 'wang', { id: number; name: string; phone: string; address: string }>;
  members: Record<'chen' | 'yang' | 'ma', { id: number; unitId: number }>;
  admins: Record<'yongan' | 'anlin' | 'xintilu', { id: number; role: string }>;
}

type Step = [action: WishAction, daysAgo: number, actor: 'resident' | 'system' | keyof DemoCast['members'] | `admin:${keyof DemoCast['admins']}`, extra?: { reason?: string; rating?: number; comment?: string; note?: string }];

interface DemoWish {
  title: string;
  description: string;
  category: WishCategory;
  kind: WishKind;
  cost?: number;
  community: keyof DemoCast['communities'];
  resident: keyof DemoCast['residents'] | { name: string; phone: string; address: string; channel: WishChannel };
  steps: Step[];
}

/** Wishes like the ones residents really wrote, in every status, with their full history. */
const WISHES: DemoWish[] = [
  { title: '小区路灯坏了', description: '7 号楼前的路灯坏了两周，晚上老人散步看不清路。', category: '设施维修', kind: 'public', community: 'yongan', resident: 'zhang',
    steps: [['submit', 40, 'resident'], ['approve', 39.5, 'admin:yongan'], ['claim', 38, 'chen'], ['fulfil', 35, 'chen', { note: '联系物业更换了灯泡和镇流器，已恢复照明。' }], ['confirm', 34, 'resident', { rating: 5, comment: '灯亮了，谢谢！' }]] },
  { title: '一个电饭煲', description: '家里的电饭煲坏了，独居老人做饭不方便，希望有一个新的。', category: '生活物资', kind: 'personal', cost: 200, community: 'yongan', resident: 'li',
    steps: [['submit', 30, 'resident'], ['approve', 29, 'admin:yongan'], ['claim', 28.5, 'yang'], ['fulfil', 26, 'yang', { note: '电饭煲已送到家并教会老人使用。' }], ['confirm', 25.5, 'resident', { rating: 4 }]] },
  { title: '增设老年休闲座椅', description: '小区中心花园没有座椅，老人走累了没地方歇脚，希望增设几张。', category: '环境整治', kind: 'public', community: 'yongan', resident: { name: '刘桂芳', phone: '13700000011', address: '永安社区 5 号楼 101', channel: 'offline' },
    steps: [['submit', 21, 'admin:yongan'], ['approve', 21, 'admin:yongan'], ['claim', 18, 'chen'], ['fulfil', 4, 'chen', { note: '协调单位捐赠 4 张座椅，已安装。' }]] },
  { title: '一台电风扇', description: '夏天屋里太热，家里没有空调，希望有一台电风扇。', category: '生活物资', kind: 'personal', cost: 150, community: 'anlin', resident: 'wang',
    steps: [['submit', 11, 'resident'], ['auto_approve', 11, 'system'], ['claim', 9, 'chen']] },
  { title: '规范小区停车', description: '消防通道经常被私家车占用，希望社区协调规范停车。', category: '环境整治', kind: 'public', community: 'yongan', resident: 'zhang',
    steps: [['submit', 12, 'resident'], ['approve', 11, 'admin:yongan']] },
  { title: '周末辅导孙子数学', description: '孙子上初二，数学跟不上，希望有党员周末帮忙辅导一下。', category: '学业辅导', kind: 'personal', community: 'yongan', resident: 'li',
    steps: [['submit', 9, 'resident'], ['approve', 8, 'admin:yongan'], ['claim', 7, 'yang'], ['release', 5, 'yang', { reason: '近期单位加班，时间冲突' }]] },
  { title: '陪独居老人去医院复查', description: '下周三要去市医院复查，子女不在身边，希望有人陪同。', category: '医疗健康', kind: 'personal', community: 'chunguang', resident: { name: '赵玉兰', phone: '13700000012', address: '春光社区 2 号楼 302', channel: 'hotline' },
    steps: [['submit', 3, 'admin:xintilu'], ['approve', 3, 'admin:xintilu'], ['claim', 2.5, 'ma']] },
  { title: '楼道扶手松动', description: '3 号楼 2 单元楼道扶手松动，老人上下楼有危险。', category: '设施维修', kind: 'public', community: 'yongan', resident: 'zhang',
    steps: [['submit', 1, 'resident']] },
  { title: '帮忙申请残疾人补贴', description: '不清楚残疾人两项补贴怎么申请，希望有人指导。', category: '助老助残', kind: 'personal', community: 'yongan', resident: 'li',
    steps: [['submit', 0.2, 'resident']] },
  { title: '想要一台新电视', description: '家里电视太旧了，想换一台 65 寸的。', category: '其他', kind: 'personal', cost: 4000, community: 'yongan', resident: 'li',
    steps: [['submit', 15, 'resident'], ['reject', 14, 'admin:yongan', { reason: '超出微心愿金额范围，建议通过其他渠道解决' }]] },
  { title: '修理漏水的水龙头', description: '厨房水龙头一直滴水。', category: '设施维修', kind: 'personal', community: 'anlin', resident: 'wang',
    steps: [['submit', 10, 'resident'], ['auto_approve', 10, 'system'], ['withdraw', 9, 'resident', { reason: '已经请师傅修好了' }]] },
  { title: '清理楼后垃圾堆', description: '12 号楼后面堆了很多建筑垃圾，夏天有异味。', category: '环境整治', kind: 'public', community: 'yongan', resident: 'zhang',
    steps: [['submit', 25, 'resident'], ['approve', 24, 'admin:yongan'], ['claim', 23, 'chen'], ['fulfil', 20, 'chen', { note: '组织单位党员清理了垃圾。' }], ['dispute', 19, 'resident', { reason: '还有一部分没清走' }], ['fulfil', 17, 'chen', { note: '剩余垃圾已全部清运。' }], ['confirm', 16, 'resident', { rating: 5 }]] },
];

/** Writes the demo wishes with past timestamps through the wish repository, so every transition has its event. */
export async function writeDemoWishes(m: EntityManager, repo: WishRepository, cipher: FieldCipher, cast: DemoCast, now: Date): Promise<number> {
  for (const member of Object.values(cast.members)) {
    await m.createQueryBuilder().insert().into(MemberClaimLoad).values({ userId: member.id, activeClaims: 0 }).orIgnore().execute();
  }
  for (const demo of WISHES) {
    const community = cast.communities[demo.community];
    const resident = typeof demo.resident === 'string' ? cast.residents[demo.resident] : undefined;
    const offline = typeof demo.resident === 'string' ? undefined : demo.resident;
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY - (demo.title.length % 7) * HOUR);
    const [, submittedDaysAgo, submitter] = demo.steps[0];
    const createdBy = submitter === 'resident' ? resident!.id : cast.admins[submitter.slice(6) as keyof DemoCast['admins']].id;
    let wish = await repo.insertWish(m, {
      title: demo.title,
      description: demo.description,
      category: demo.category,
      kind: demo.kind,
      estimatedCost: demo.cost ?? null,
      expectedBy: null,
      photoIds: [],
      communityId: community.id,
      regionPath: community.path,
      residentId: resident?.id ?? null,
      residentName: resident?.name ?? offline!.name,
      residentPhoneCipher: cipher.encrypt(resident?.phone ?? offline!.phone),
      residentAddress: resident?.address ?? offline!.address,
      createdBy,
      channel: offline?.channel ?? 'mini_program',
      idempotencyKey: null,
      ...freshWishState(at(submittedDaysAgo)),
    });
    let status: WishStatus | null = null;
    for (const [action, daysAgo, who, extra] of demo.steps) {
      const when = at(daysAgo);
      const actor = actorOf(cast, who, resident?.id ?? null);
      const check = checkTransition(action, status, actor.kind, extra?.reason ?? 'demo');
      if (!check.ok) throw new Error(`demo wish "${demo.title}": ${action} from ${status} is not allowed (${check.reason})`);
      if (action !== 'submit') {
        const member = who in cast.members ? cast.members[who as keyof DemoCast['members']] : undefined;
        const result = await repo.applyTransition(m, {
          wish,
          action,
          to: check.to,
          actor: { id: actor.id, kind: actor.kind, role: actor.role },
          reason: extra?.reason ?? null,
          detail: extra?.rating ? { rating: extra.rating } : null,
          set: changesFor(action, when, member, extra),
          now: when,
          newClaimerId: action === 'claim' ? member?.id : undefined,
        });
        if (!result.ok) throw new Error(`demo wish "${demo.title}": ${action} failed (${result.reason})`);
        wish = await m.getRepository(Wish).findOneByOrFail({ id: wish.id });
      } else {
        await repo.insertEvent(m, {
          wishId: wish.id, communityId: wish.communityId, action: 'submit', fromStatus: null, toStatus: 'pending_review',
          actorId: actor.id, actorKind: actor.kind, actorRole: actor.role, reason: null, detail: { channel: wish.channel }, at: when,
        });
      }
      status = check.to;
    }
  }
  return WISHES.length;
}

function actorOf(cast: DemoCast, who: Step[2], residentId: number | null): { id: number | null; kind: Actor; role: string } {
  if (who === 'system') return { id: null, kind: 'system', role: 'system' };
  if (who === 'resident') return { id: residentId, kind: 'resident', role: 'resident' };
  if (who.startsWith('admin:')) {
    const admin = cast.admins[who.slice(6) as keyof DemoCast['admins']];
    return { id: admin.id, kind: 'admin', role: admin.role };
  }
  return { id: cast.members[who as keyof DemoCast['members']].id, kind: 'member', role: 'member' };
}

function changesFor(action: WishAction, when: Date, member: { id: number; unitId: number } | undefined, extra: Step[3]): Partial<Wish> {
  switch (action) {
    case 'approve':
    case 'auto_approve':
      return { reviewedAt: when };
    case 'reject':
      return { reviewedAt: when, closedAt: when };
    case 'claim':
      return { claimerId: member!.id, claimerUnitId: member!.unitId, claimedAt: when };
    case 'release':
      return { claimerId: null, claimerUnitId: null, claimedAt: null };
    case 'fulfil':
      return { fulfilledAt: when, fulfilmentNote: extra?.note ?? '已完成' };
    case 'dispute':
      return { fulfilledAt: null };
    case 'confirm':
      return { completedAt: when, rating: extra?.rating ?? null, ratingComment: extra?.comment ?? null };
    case 'withdraw':
    case 'cancel':
      return { closedAt: when };
    default:
      return {};
  }
}

