/**
 * The wish state machine as data (DESIGN.md §2). Pure: no Nest, no database.
 *
 *                  approve               claim / assign            fulfil               confirm
 * pending_review ─────────▶ open ─────────────────────▶ claimed ─────────▶ fulfilled ─────────▶ completed
 *       │ reject              ▲  release / timeout_release │  ▲    dispute    │  auto_complete
 *       ▼                     └────────────────────────────┘  └───────────────┘
 *    rejected          (pending_review, open, claimed) ── withdraw / cancel ──▶ cancelled
 *
 * open ── hold_for_review ──▶ pending_review: an edit whose new text the content check wants a person to read.
 *
 * Only the wish service changes `status`, always by one of these actions and always together with a
 * wish_event row in the same transaction.
 */
export const WISH_STATUSES = ['pending_review', 'open', 'claimed', 'fulfilled', 'completed', 'rejected', 'cancelled'] as const;
export type WishStatus = (typeof WISH_STATUSES)[number];

export const STATUS_LABEL: Record<WishStatus, string> = {
  pending_review: '待审核',
  open: '待认领',
  claimed: '已认领',
  fulfilled: '待确认',
  completed: '已完成',
  rejected: '未通过',
  cancelled: '已取消',
};

/** Who triggers a transition, relative to the wish: its resident, a member (the claimer, or one claiming), an office in scope, or the scheduler. */
export const ACTORS = ['resident', 'member', 'admin', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

export const WISH_ACTIONS = [
  'submit',
  'auto_approve',
  'approve',
  'reject',
  'edit',
  'hold_for_review',
  'claim',
  'assign',
  'reassign',
  'release',
  'timeout_release',
  'fulfil',
  'dispute',
  'confirm',
  'auto_complete',
  'withdraw',
  'cancel',
] as const;
export type WishAction = (typeof WISH_ACTIONS)[number];

export interface TransitionRule {
  /** States the action may start from; `null` is "the wish does not exist yet" (submit). */
  readonly from: readonly (WishStatus | null)[];
  /** The resulting state; `same` leaves the status as it was (edit, reassign). */
  readonly to: WishStatus | 'same';
  readonly by: readonly Actor[];
  /** A reason must be given (and is stored on the event). */
  readonly reasonRequired: boolean;
}

export const TRANSITIONS: Readonly<Record<WishAction, TransitionRule>> = {
  submit: { from: [null], to: 'pending_review', by: ['resident', 'admin'], reasonRequired: false },
  auto_approve: { from: ['pending_review'], to: 'open', by: ['system'], reasonRequired: false },
  approve: { from: ['pending_review'], to: 'open', by: ['admin'], reasonRequired: false },
  reject: { from: ['pending_review'], to: 'rejected', by: ['admin'], reasonRequired: true },
  edit: { from: ['pending_review', 'open'], to: 'same', by: ['resident'], reasonRequired: false },
  // Written by the content check right after an edit whose new text needs a person's review.
  hold_for_review: { from: ['open'], to: 'pending_review', by: ['system'], reasonRequired: false },
  claim: { from: ['open'], to: 'claimed', by: ['member'], reasonRequired: false },
  assign: { from: ['open'], to: 'claimed', by: ['admin'], reasonRequired: true },
  reassign: { from: ['claimed'], to: 'same', by: ['admin'], reasonRequired: true },
  release: { from: ['claimed'], to: 'open', by: ['member', 'admin'], reasonRequired: true },
  timeout_release: { from: ['claimed'], to: 'open', by: ['system'], reasonRequired: false },
  fulfil: { from: ['claimed'], to: 'fulfilled', by: ['member'], reasonRequired: false },
  dispute: { from: ['fulfilled'], to: 'claimed', by: ['resident', 'admin'], reasonRequired: true },
  confirm: { from: ['fulfilled'], to: 'completed', by: ['resident', 'admin'], reasonRequired: false },
  auto_complete: { from: ['fulfilled'], to: 'completed', by: ['system'], reasonRequired: false },
  withdraw: { from: ['pending_review', 'open', 'claimed'], to: 'cancelled', by: ['resident'], reasonRequired: false },
  cancel: { from: ['pending_review', 'open', 'claimed'], to: 'cancelled', by: ['admin'], reasonRequired: true },
};

export const TERMINAL_STATUSES: readonly WishStatus[] = ['completed', 'rejected', 'cancelled'];

/** Statuses in which a wish still needs something to happen (counted against a resident's open-wish limit). */
export const ACTIVE_STATUSES: readonly WishStatus[] = ['pending_review', 'open', 'claimed', 'fulfilled'];

export type TransitionCheck =
  | { ok: true; to: WishStatus }
  | { ok: false; reason: 'illegal_from' | 'wrong_actor' | 'reason_required' };

/** Decides whether `actor` may apply `action` to a wish in state `from`, and where it leads. */
export function checkTransition(action: WishAction, from: WishStatus | null, actor: Actor, reason?: string | null): TransitionCheck {
  const rule = TRANSITIONS[action];
  if (!rule.by.includes(actor)) return { ok: false, reason: 'wrong_actor' };
  if (!rule.from.includes(from)) return { ok: false, reason: 'illegal_from' };
  if (rule.reasonRequired && !reason?.trim()) return { ok: false, reason: 'reason_required' };
  const to = rule.to === 'same' ? from : rule.to;
  if (to === null) return { ok: false, reason: 'illegal_from' };
  return { ok: true, to };
}

/**
 * How a transition moves a claimer's count of active claims: +1 when a wish becomes `claimed`,
 * -1 when it stops being `claimed` (fulfilled, released, withdrawn…). Reassign moves one slot
 * from the old claimer to the new one.
 */
export function claimSlotDelta(from: WishStatus | null, to: WishStatus): number {
  return (to === 'claimed' ? 1 : 0) - (from === 'claimed' ? 1 : 0);
}

/** Start-up check: the table is closed (every state named exists, every state is reachable, terminals are final). */
export function assertTransitionTableValid(table: Readonly<Record<string, TransitionRule>> = TRANSITIONS): void {
  const problems: string[] = [];
  const statuses = new Set<string>(WISH_STATUSES);
  const reachable = new Set<string>();
  for (const [action, rule] of Object.entries(table)) {
    for (const from of rule.from) if (from !== null && !statuses.has(from)) problems.push(`${action}: unknown from-state ${from}`);
    if (rule.to !== 'same' && !statuses.has(rule.to)) problems.push(`${action}: unknown to-state ${rule.to}`);
    if (rule.to !== 'same') reachable.add(rule.to);
    for (const actor of rule.by) if (!(ACTORS as readonly string[]).includes(actor)) problems.push(`${action}: unknown actor ${actor}`);
    for (const from of rule.from) if (from !== null && TERMINAL_STATUSES.includes(from)) problems.push(`${action}: leaves terminal state ${from}`);
  }
  for (const status of WISH_STATUSES) if (!reachable.has(status)) problems.push(`state ${status} is unreachable`);
  if (problems.length > 0) throw new Error(`wish transition table is invalid:\n  ${problems.join('\n  ')}`);
}
