/**
 * The authorization matrix (OWASP API1 broken object-level and API5 function-level authorization,
 * API3 excessive data exposure), as data: one row per route the application serves, keyed as in
 * the OpenAPI document. test/security/authorization.e2e-spec.ts fails when a served route has no
 * row here or a row names a route that no longer exists, so a new endpoint cannot ship unreviewed.
 *
 * `expect` lists the status for each role, in the order of ROLE_NAMES:
 *
 *     anonymous | residentA residentB | memberHere memberElsewhere | adminHere adminElsewhere streetAdmin unitAdmin
 *
 * (the bars are only for the eye). A status may carry the expected code: `403:MEMBER_NOT_REGISTERED`.
 *
 * The cast, all about community A1 (street A):
 * - residentA: the resident whose wishes the targets are (has phone and address on file);
 *   residentB: another resident;
 * - memberHere: party member registered (双报到) with A1, employed by unitGov, the claimer of claimed targets;
 *   memberElsewhere: member registered with A2 only;
 * - adminHere / adminElsewhere: community offices of A1 / A2; streetAdmin: the office of street A (above A1);
 * - unitAdmin: admin of unitGov (memberHere's employer).
 *
 * `target` names the fixture the path parameters resolve to (built by SecurityWorld.target). With
 * `fresh`, a new target is built for every request, so a state change by one role never decides
 * what the next role gets. Body values starting with `$` are filled in by the suite (`$A1`: the id
 * of community A1, `$memberHere`: that member's user id, `$unique`: a new suffix, `$target.x`: x of
 * the target).
 *
 * `fields` (read routes) lists, per role that may read, the exact top-level keys of the answer
 * (`*`: every other reading role); `items` the keys allowed in each element of `items` (pages).
 * `contact` names the roles entitled to see resident A's phone and address in the answer; the JSON
 * of every other answer must not contain them, and no answer may contain an openid.
 */
export const ROLE_NAMES = [
  'anonymous',
  'residentA',
  'residentB',
  'memberHere',
  'memberElsewhere',
  'adminHere',
  'adminElsewhere',
  'streetAdmin',
  'unitAdmin',
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export type TargetName =
  | 'none'
  | 'communityA1'
  | 'unitGov'
  | 'asset'
  | 'claimedWish'
  | 'upload'
  | 'notification'
  | 'pendingWish'
  | 'openWish'
  | 'freshClaimedWish'
  | 'fulfilledWish'
  | 'fulfilledOfflineWish'
  | 'pendingRegistration'
  | 'emptyGrid'
  | 'unitInA1'
  | 'pairedUnitInA1'
  | 'refreshToken';

export interface MatrixRow {
  target: TargetName;
  fresh?: boolean;
  /** The caller is a new user with the role's standing (the route consumes the caller: DELETE /me). */
  clone?: boolean;
  /** A valid JSON body (templated, see above). */
  body?: Record<string, unknown>;
  query?: Record<string, string>;
  /** multipart/form-data with one small PNG (POST /uploads). */
  upload?: boolean;
  expect: string;
  fields?: Partial<Record<RoleName | '*', string>>;
  items?: string;
  contact?: RoleName[];
}

const ANY_USER = '401 | 200 200 | 200 200 | 200 200 200 200';
const PUBLIC = (status: number | string) => Array(9).fill(status).join(' ');
/** Office routes of community and region admins (the unit admin has no say over wishes, regions, units). */
const OFFICE_ON_A1 = (ok: number) => `401 | 403 403 | 403 403 | ${ok} 404 ${ok} 403`;
const DASHBOARD = '401 | 403 403 | 403 403 | 200 200 200 200';

const WISH = 'id title description category kind status statusLabel channel communityId communityName residentName photos createdAt';
const CLAIMED = `${WISH} reviewedAt claimedAt`;
const PAGE = 'items nextCursor';
/** What a wish in a list may show, whatever its status: never `contact`. */
const LIST_ITEM = `${CLAIMED} claimer fulfilledAt completedAt closedAt rating ratingComment fulfilmentNote fulfilmentPhotos estimatedCost expectedBy`;
/** Offices in scope see the resident's contact on the wishes they act on. */
const OFFICES_IN_SCOPE: RoleName[] = ['adminHere', 'streetAdmin'];
const ME = 'id name phone address communityId communityName roles username wechatBound';
const REGION = 'id parentId level name path autoApprove requireFulfilmentPhotos';
const UNIT = 'id name kind regionId pairedCommunityIds';
const REGISTRATION = 'id userId unitId unitName communityId communityName name phone skills status decisionReason createdAt decidedAt';
const TOKENS = 'accessToken refreshToken expiresIn user';
const EVENT_PUBLIC = 'id action fromStatus toStatus actorRole reason at';

export const ACCESS_MATRIX: Record<string, MatrixRow> = {
  // ── Public ────────────────────────────────────────────────────────────────
  'GET /health': { target: 'none', expect: PUBLIC(200) },
  'GET /dashboard': { target: 'none', expect: PUBLIC(200) },
  'GET /dashboard/assets/{file}': { target: 'asset', expect: PUBLIC(200) },
  'GET /api/v1/regions': { target: 'none', expect: PUBLIC(200) },
  'GET /api/v1/regions/{id}': { target: 'communityA1', expect: PUBLIC(200), fields: { '*': REGION } },
  'GET /api/v1/regions/{id}/children': { target: 'communityA1', expect: PUBLIC(200) },
  'POST /api/v1/auth/dev/login': { target: 'none', body: { openid: 'matrix-$unique' }, expect: PUBLIC(200), fields: { '*': TOKENS } },
  'POST /api/v1/auth/password/login': { target: 'none', body: { username: 'nobody-here', password: 'wrong-password-1' }, expect: PUBLIC('401:INVALID_CREDENTIALS') },
  'POST /api/v1/auth/refresh': { target: 'refreshToken', fresh: true, body: { refreshToken: '$target.refreshToken' }, expect: PUBLIC(200), fields: { '*': TOKENS } },
  'POST /api/v1/auth/wechat/login': { target: 'none', body: { code: 'code-never-issued' }, expect: PUBLIC('400:WECHAT_CODE_INVALID') },
  'GET /api/v1/uploads/{id}/check-copy': { target: 'upload', query: { expires: '1', signature: 'forged' }, expect: PUBLIC('404:UPLOAD_NOT_FOUND') },
  'GET /api/v1/wechat/callback': { target: 'none', query: { signature: 'forged', timestamp: '1', nonce: 'n', echostr: 'e' }, expect: PUBLIC(403) },
  'POST /api/v1/wechat/callback': { target: 'none', query: { signature: 'forged', timestamp: '1', nonce: 'n' }, body: { Event: 'wxa_media_check' }, expect: PUBLIC(403) },

  // ── Any signed-in user, about themselves ──────────────────────────────────
  'GET /api/v1/me': { target: 'none', expect: ANY_USER, fields: { '*': ME }, contact: ['residentA'] },
  'PATCH /api/v1/me': { target: 'none', body: { name: '改名$unique' }, expect: ANY_USER, fields: { '*': ME }, contact: ['residentA'] },
  'GET /api/v1/me/export': { target: 'none', expect: ANY_USER, contact: ['residentA'] },
  'DELETE /api/v1/me': { target: 'none', clone: true, expect: '401 | 204 204 | 204 204 | 204 204 204 204' },
  'GET /api/v1/me/notifications': { target: 'none', expect: ANY_USER, fields: { '*': 'items nextCursor unreadCount' } },
  'POST /api/v1/me/notifications/read-all': { target: 'none', expect: ANY_USER },
  'POST /api/v1/me/notifications/{id}/read': { target: 'notification', expect: '401 | 200 404 | 404 404 | 404 404 404 404' },
  'GET /api/v1/me/subscriptions': { target: 'none', expect: ANY_USER },
  'POST /api/v1/me/subscriptions': { target: 'none', body: { templateIds: ['tmpl-approved-000001'] }, expect: ANY_USER },
  'GET /api/v1/units': { target: 'none', expect: ANY_USER },
  'GET /api/v1/units/{id}': { target: 'unitGov', expect: ANY_USER, fields: { '*': UNIT } },
  'POST /api/v1/members/registrations': {
    target: 'none',
    body: { unitId: '$unitSchool', communityId: '$B1', name: '报到人', phone: '13900139000' },
    clone: true,
    expect: '401 | 201 201 | 201 201 | 201 201 201 201',
    fields: { '*': REGISTRATION },
  },
  'GET /api/v1/members/registrations/mine': { target: 'none', expect: ANY_USER },
  'POST /api/v1/uploads': { target: 'none', upload: true, expect: '401 | 201 201 | 201 201 | 201 201 201 201' },
  'GET /api/v1/uploads/{id}': { target: 'upload', expect: '401 | 200 404 | 404 404 | 404 404 404 404' },

  // ── Wishes: residents ─────────────────────────────────────────────────────
  'POST /api/v1/wishes': {
    target: 'none',
    body: { communityId: '$A1', title: '楼道灯坏了$unique', description: '楼道灯坏了一个多月。', category: '设施维修', kind: 'public' },
    // Everyone is a resident too (a member or an office worker lives somewhere).
    expect: '401 | 201 201 | 201 201 | 201 201 201 201',
  },
  'GET /api/v1/wishes/mine': { target: 'none', expect: ANY_USER, fields: { '*': PAGE }, items: LIST_ITEM },
  'PATCH /api/v1/wishes/{id}': { target: 'openWish', fresh: true, body: { title: '新的标题$unique' }, expect: '401 | 200 404 | 404 404 | 404 404 404 404' },
  'POST /api/v1/wishes/{id}/withdraw': { target: 'openWish', fresh: true, body: {}, expect: '401 | 200 404 | 404 404 | 404 404 404 404' },
  'POST /api/v1/wishes/{id}/confirm': { target: 'fulfilledWish', fresh: true, body: { rating: 5 }, expect: '401 | 200 404 | 404 404 | 404 404 404 404' },
  'POST /api/v1/wishes/{id}/dispute': { target: 'fulfilledWish', fresh: true, body: { reason: '还没有修好' }, expect: '401 | 200 404 | 404 404 | 404 404 404 404' },

  // ── Wishes: reading ───────────────────────────────────────────────────────
  'GET /api/v1/wishes': {
    target: 'none',
    expect: '401 | 403:FORBIDDEN 403:FORBIDDEN | 200 200 | 200 200 200 403:FORBIDDEN',
    fields: { '*': PAGE },
    items: LIST_ITEM,
  },
  'GET /api/v1/wishes/{id}': {
    target: 'claimedWish',
    expect: '401 | 200 404 | 200 404 | 200 404 200 200',
    fields: {
      residentA: `${CLAIMED} claimer`,
      memberHere: `${CLAIMED} claimer contact`,
      adminHere: `${CLAIMED} claimer contact`,
      streetAdmin: `${CLAIMED} claimer contact`,
      unitAdmin: `${CLAIMED} claimer`,
    },
    contact: ['memberHere', 'adminHere', 'streetAdmin'],
  },
  'GET /api/v1/wishes/{id}/events': { target: 'claimedWish', expect: '401 | 200 404 | 200 404 | 200 404 200 200' },

  // ── Wishes: members ───────────────────────────────────────────────────────
  'POST /api/v1/wishes/{id}/claim': {
    target: 'openWish',
    fresh: true,
    expect: '401 | 403:FORBIDDEN 403:FORBIDDEN | 200 403:MEMBER_NOT_REGISTERED | 403:FORBIDDEN 403:FORBIDDEN 403:FORBIDDEN 403:FORBIDDEN',
    fields: { memberHere: `${CLAIMED} claimer contact` },
    contact: ['memberHere'],
  },
  'POST /api/v1/wishes/{id}/release': { target: 'freshClaimedWish', fresh: true, body: { reason: '临时出差' }, expect: '401 | 403 403 | 200 404 | 403 403 403 403' },
  'POST /api/v1/wishes/{id}/fulfil': { target: 'freshClaimedWish', fresh: true, body: { note: '已经办好了' }, expect: '401 | 403 403 | 200 404 | 403 403 403 403', contact: ['memberHere'] },
  'GET /api/v1/members/me/claims': { target: 'none', expect: '401 | 403 403 | 200 200 | 403 403 403 403', fields: { '*': PAGE } },

  // ── Wishes: offices ───────────────────────────────────────────────────────
  'POST /api/v1/admin/wishes': {
    target: 'none',
    body: { communityId: '$A1', title: '代录心愿$unique', description: '入户走访时记录。', category: '助老助残', kind: 'personal', resident: { name: '王秀英', phone: '13700002222', address: '12 号楼 401' } },
    expect: OFFICE_ON_A1(201),
    contact: OFFICES_IN_SCOPE,
  },
  'POST /api/v1/admin/wishes/{id}/approve': { target: 'pendingWish', fresh: true, body: {}, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/reject': { target: 'pendingWish', fresh: true, body: { reason: '不属于微心愿范围' }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/assign': { target: 'openWish', fresh: true, body: { memberId: '$memberHere', reason: '就近安排' }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/release': { target: 'freshClaimedWish', fresh: true, body: { reason: '长期未完成' }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/cancel': { target: 'openWish', fresh: true, body: { reason: '居民已搬走' }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/confirm': { target: 'fulfilledOfflineWish', fresh: true, body: { rating: 4 }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },
  'POST /api/v1/admin/wishes/{id}/dispute': { target: 'fulfilledOfflineWish', fresh: true, body: { reason: '居民电话反映未完成' }, expect: OFFICE_ON_A1(200), contact: OFFICES_IN_SCOPE },

  // ── Registrations (双报到) ────────────────────────────────────────────────
  'GET /api/v1/admin/registrations': { target: 'none', expect: '401 | 403 403 | 403 403 | 200 200 200 200', fields: { '*': PAGE } },
  'POST /api/v1/admin/registrations/{id}/approve': { target: 'pendingRegistration', fresh: true, expect: '401 | 403 403 | 403 403 | 200 404 200 404' },
  'POST /api/v1/admin/registrations/{id}/reject': { target: 'pendingRegistration', fresh: true, body: { reason: '单位信息不符' }, expect: '401 | 403 403 | 403 403 | 200 404 200 404' },

  // ── Regions and units ─────────────────────────────────────────────────────
  'POST /api/v1/admin/regions': { target: 'none', body: { parentId: '$A1', name: '网格$unique' }, expect: OFFICE_ON_A1(201), fields: { adminHere: REGION, streetAdmin: REGION } },
  'PATCH /api/v1/admin/regions/{id}': { target: 'emptyGrid', fresh: true, body: { name: '改名网格$unique' }, expect: OFFICE_ON_A1(200) },
  'DELETE /api/v1/admin/regions/{id}': { target: 'emptyGrid', fresh: true, expect: OFFICE_ON_A1(204) },
  'POST /api/v1/admin/units': { target: 'none', body: { name: '新单位$unique', kind: 'enterprise', regionId: '$A1' }, expect: OFFICE_ON_A1(201) },
  'PATCH /api/v1/admin/units/{id}': { target: 'unitInA1', fresh: true, body: { name: '改名单位$unique' }, expect: OFFICE_ON_A1(200) },
  'DELETE /api/v1/admin/units/{id}': { target: 'unitInA1', fresh: true, expect: OFFICE_ON_A1(204) },
  'POST /api/v1/admin/units/{id}/pairings': { target: 'unitInA1', fresh: true, body: { communityId: '$A1' }, expect: OFFICE_ON_A1(200) },
  'DELETE /api/v1/admin/units/{id}/pairings/{communityId}': { target: 'pairedUnitInA1', fresh: true, expect: OFFICE_ON_A1(200) },

  // ── Dashboard and audit ───────────────────────────────────────────────────
  'GET /api/v1/dashboard/scope': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/dashboard/summary': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/dashboard/trend': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/dashboard/breakdown': { target: 'none', query: { by: 'community' }, expect: DASHBOARD },
  'GET /api/v1/dashboard/overdue': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/dashboard/quota': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/dashboard/export.xlsx': { target: 'none', expect: DASHBOARD },
  'GET /api/v1/admin/audit': { target: 'none', expect: '401 | 403 403 | 403 403 | 403 403 200 403', fields: { streetAdmin: PAGE } },
};

export interface ExpectedStatus {
  status: number;
  code?: string;
}

/** Parses a row's `expect` into one expectation per role. */
export function parseExpectations(row: MatrixRow): Record<RoleName, ExpectedStatus> {
  const cells = row.expect.split(/[\s|]+/).filter(Boolean);
  if (cells.length !== ROLE_NAMES.length) throw new Error(`matrix row has ${cells.length} cells, needs ${ROLE_NAMES.length}: ${row.expect}`);
  return Object.fromEntries(
    ROLE_NAMES.map((role, i) => {
      const [status, code] = cells[i].split(':');
      return [role, { status: Number(status), ...(code ? { code } : {}) }];
    }),
  ) as Record<RoleName, ExpectedStatus>;
}

/** The keys a role may see in a read answer, or undefined when the row does not constrain it. */
export function allowedFields(row: MatrixRow, role: RoleName): string[] | undefined {
  const spec = row.fields?.[role] ?? row.fields?.['*'];
  return spec?.split(/\s+/).filter(Boolean).sort();
}
