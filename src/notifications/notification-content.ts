import { SHANGHAI_OFFSET_MS } from '../common/time/shanghai';
import type { NotificationKind } from './wechat-templates';

/** Why a member's claim ended without them releasing it. */
export type ClaimEnd = 'office' | 'timeout' | 'reassigned' | 'withdrawn' | 'cancelled';

/** What the texts of a wish notification are made of. */
export interface WishNoticeFacts {
  wishTitle: string;
  memberName?: string | null;
  reason?: string | null;
  /** When the claim will be (or was) released for lack of fulfilment. */
  deadline?: Date;
  claimEnd?: ClaimEnd;
  claimTimeoutDays: number;
  confirmWindowDays: number;
}

/** `3月15日 10:00` in Asia/Shanghai, for running text. */
export function shortShanghaiTime(at: Date): string {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString();
  return `${Number(local.slice(5, 7))}月${Number(local.slice(8, 10))}日 ${local.slice(11, 16)}`;
}

const withReason = (text: string, reason?: string | null) => (reason?.trim() ? `${text}原因：${reason.trim()}` : text);

/** Inbox title and body of a wish notification, in the words the mini-program shows. Pure. */
export function wishNoticeText(kind: Exclude<NotificationKind, 'overdue_digest'>, f: WishNoticeFacts): { title: string; body: string } {
  const wish = `「${f.wishTitle}」`;
  switch (kind) {
    case 'wish_approved':
      return { title: '心愿已通过审核', body: `你的心愿${wish}已通过审核并公开，等待党员认领。` };
    case 'wish_rejected':
      return { title: '心愿未通过审核', body: withReason(`你的心愿${wish}未通过审核。`, f.reason) };
    case 'wish_claimed':
      return { title: '心愿已被认领', body: `你的心愿${wish}已由党员${f.memberName ?? ''}认领，对方会尽快与你联系。` };
    case 'wish_fulfilled':
      return { title: '心愿已完成，请确认', body: `党员已完成你的心愿${wish}，请查看并确认、评价；${f.confirmWindowDays} 天内未确认将自动完成。` };
    case 'claim_assigned':
      return {
        title: '社区为你指派了心愿',
        body: withReason(`社区将心愿${wish}指派给你，请尽快联系居民${f.deadline ? `，并在 ${shortShanghaiTime(f.deadline)} 前完成` : ''}。`, f.reason),
      };
    case 'claim_released':
      return { title: '认领已结束', body: claimEndText(wish, f) };
    case 'claim_disputed':
      return { title: '居民认为心愿尚未完成', body: withReason(`心愿${wish}被退回给你，请继续跟进。`, f.reason) };
    case 'claim_expiring':
      return {
        title: '认领即将超时',
        body: `你认领的心愿${wish}将于 ${f.deadline ? shortShanghaiTime(f.deadline) : '近期'} 超时并自动释放，请尽快完成并上报。`,
      };
    case 'claim_timed_out':
      return { title: '认领超时，心愿已释放', body: `心愿${wish}认领超过 ${f.claimTimeoutDays} 天未完成，已自动释放回待认领，请关注。` };
  }
}

function claimEndText(wish: string, f: WishNoticeFacts): string {
  switch (f.claimEnd) {
    case 'timeout':
      return `你认领的心愿${wish}超过 ${f.claimTimeoutDays} 天未完成，已自动释放，其他党员可以认领。`;
    case 'reassigned':
      return withReason(`社区已将心愿${wish}改派给其他党员。`, f.reason);
    case 'withdrawn':
      return `居民已撤回心愿${wish}，你的认领随之结束。`;
    case 'cancelled':
      return withReason(`社区已取消心愿${wish}，你的认领随之结束。`, f.reason);
    case 'office':
    default:
      return withReason(`社区解除了你对心愿${wish}的认领。`, f.reason);
  }
}
