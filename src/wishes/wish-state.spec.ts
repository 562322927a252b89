import {
  ACTORS,
  assertTransitionTableValid,
  checkTransition,
  claimSlotDelta,
  TERMINAL_STATUSES,
  TRANSITIONS,
  TransitionRule,
  WISH_ACTIONS,
  WISH_STATUSES,
  WishStatus,
} from './wish-state';

describe('wish state machine', () => {
  it('is a valid table', () => {
    expect(() => assertTransitionTableValid()).not.toThrow();
  });

  it('rejects a table naming an unknown state, leaving a terminal state, or leaving a state unreachable', () => {
    const broken: Record<string, TransitionRule> = {
      ...TRANSITIONS,
      approve: { from: ['pending_review'], to: 'published' as WishStatus, by: ['admin'], reasonRequired: false },
    };
    expect(() => assertTransitionTableValid(broken)).toThrow(/unknown to-state published/);
    const reopen = { ...TRANSITIONS, reopen: { from: ['completed'], to: 'open', by: ['admin'], reasonRequired: false } as TransitionRule };
    expect(() => assertTransitionTableValid(reopen)).toThrow(/leaves terminal state completed/);
    const { reject: _dropped, ...noReject } = TRANSITIONS;
    expect(() => assertTransitionTableValid(noReject)).toThrow(/rejected is unreachable/);
  });

  // The expected outcome of every (action, from, actor) triple, written out independently of the table.
  const allowed: Record<string, string> = {
    'submit|null|resident': 'pending_review',
    'submit|null|admin': 'pending_review',
    'auto_approve|pending_review|system': 'open',
    'approve|pending_review|admin': 'open',
    'reject|pending_review|admin': 'rejected',
    'edit|pending_review|resident': 'pending_review',
    'edit|open|resident': 'open',
    'hold_for_review|open|system': 'pending_review',
    'claim|open|member': 'claimed',
    'assign|open|admin': 'claimed',
    'reassign|claimed|admin': 'claimed',
    'release|claimed|member': 'open',
    'release|claimed|admin': 'open',
    'timeout_release|claimed|system': 'open',
    'fulfil|claimed|member': 'fulfilled',
    'dispute|fulfilled|resident': 'claimed',
    'dispute|fulfilled|admin': 'claimed',
    'confirm|fulfilled|resident': 'completed',
    'confirm|fulfilled|admin': 'completed',
    'auto_complete|fulfilled|system': 'completed',
    'withdraw|pending_review|resident': 'cancelled',
    'withdraw|open|resident': 'cancelled',
    'withdraw|claimed|resident': 'cancelled',
    'cancel|pending_review|admin': 'cancelled',
    'cancel|open|admin': 'cancelled',
    'cancel|claimed|admin': 'cancelled',
  };

  const triples = WISH_ACTIONS.flatMap((action) => [null, ...WISH_STATUSES].flatMap((from) => ACTORS.map((actor) => ({ action, from, actor }))));

  it.each(triples)('$action from $from by $actor', ({ action, from, actor }) => {
    const expected = allowed[`${action}|${from}|${actor}`];
    const result = checkTransition(action, from, actor, 'a reason');
    if (expected) expect(result).toEqual({ ok: true, to: expected });
    else expect(result.ok).toBe(false);
  });

  it('walks all triples and finds exactly the allowed ones', () => {
    const found = triples.filter(({ action, from, actor }) => checkTransition(action, from, actor, 'r').ok).map(({ action, from, actor }) => `${action}|${from}|${actor}`);
    expect(found.sort()).toEqual(Object.keys(allowed).sort());
  });

  it('demands a reason where the table says so', () => {
    expect(checkTransition('reject', 'pending_review', 'admin')).toEqual({ ok: false, reason: 'reason_required' });
    expect(checkTransition('reject', 'pending_review', 'admin', '  ')).toEqual({ ok: false, reason: 'reason_required' });
    expect(checkTransition('approve', 'pending_review', 'admin')).toEqual({ ok: true, to: 'open' });
    expect(checkTransition('claim', 'claimed', 'member')).toEqual({ ok: false, reason: 'illegal_from' });
    expect(checkTransition('claim', 'open', 'admin')).toEqual({ ok: false, reason: 'wrong_actor' });
  });

  it('never leaves a terminal state', () => {
    for (const status of TERMINAL_STATUSES) {
      for (const action of WISH_ACTIONS) for (const actor of ACTORS) expect(checkTransition(action, status, actor, 'r').ok).toBe(false);
    }
  });

  it('moves claim slots exactly when a wish enters or leaves claimed', () => {
    expect(claimSlotDelta('open', 'claimed')).toBe(1);
    expect(claimSlotDelta('fulfilled', 'claimed')).toBe(1);
    expect(claimSlotDelta('claimed', 'fulfilled')).toBe(-1);
    expect(claimSlotDelta('claimed', 'open')).toBe(-1);
    expect(claimSlotDelta('claimed', 'cancelled')).toBe(-1);
    expect(claimSlotDelta('claimed', 'claimed')).toBe(0);
    expect(claimSlotDelta('open', 'cancelled')).toBe(0);
    expect(claimSlotDelta(null, 'pending_review')).toBe(0);
  });
});
