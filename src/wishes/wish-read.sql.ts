/*
 * The SQL text of the hot-path wish reads (WishReadRepository, and the notifier's read inside a
 * transition), on its own without imports so the benchmark's bare server (src/bench/bare-server.ts)
 * runs exactly these columns and joins too.
 */

/** The columns a wish view shows, with the community's and the claimer's names. */
export const CARD_COLUMNS = `w.id, w.title, w.description, w.category, w.kind, w.status, w.channel, w.community_id AS communityId,
  community.name AS communityName, w.resident_name AS residentName, w.estimated_cost AS estimatedCost, w.expected_by AS expectedBy,
  w.photo_ids AS photoIds, w.fulfilment_photo_ids AS fulfilmentPhotoIds, w.fulfilment_note AS fulfilmentNote, w.rating,
  w.rating_comment AS ratingComment, w.claimer_id AS claimerId, claimer.name AS claimerName, w.created_at AS createdAt,
  w.reviewed_at AS reviewedAt, w.claimed_at AS claimedAt, w.fulfilled_at AS fulfilledAt, w.completed_at AS completedAt,
  w.closed_at AS closedAt`;

/** The card plus what decides who may see and do what, and the resident's contact. */
export const RECORD_COLUMNS = `${CARD_COLUMNS}, w.region_path AS regionPath, w.resident_id AS residentId, w.created_by AS createdBy,
  w.claimer_unit_id AS claimerUnitId, w.resident_phone_cipher AS residentPhoneCipher, w.resident_address AS residentAddress`;

/** `wish w` with its community (`community`) and its claimer (`claimer`) joined for their names. */
export const WISH_WITH_NAMES = 'FROM wish w LEFT JOIN region community ON community.id = w.community_id LEFT JOIN app_user claimer ON claimer.id = w.claimer_id';

/** What a notification about a wish says: its title, who to tell, and the names (WishNotifier, inside the transition's transaction). */
export const NOTICE_FACTS_COLUMNS = `w.id, w.title, w.resident_id AS residentId, w.claimer_id AS claimerId, w.claimed_at AS claimedAt,
  community.name AS communityName, claimer.name AS memberName`;
