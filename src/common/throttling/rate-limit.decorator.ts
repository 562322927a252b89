import { SetMetadata } from '@nestjs/common';

/** The named limits a route can opt into, on top of the `default` limit every route has. */
export type RouteRateLimit = 'auth' | 'submit';

export const RATE_LIMIT_KEY = 'rate-limit:named';

/**
 * Puts a route (or every route of a controller) under a stricter named limit:
 * - `auth`: logins and token refresh, counted per client IP (guessing passwords, farming tokens);
 * - `submit`: wish submission, counted per user.
 */
export const RateLimit = (name: RouteRateLimit) => SetMetadata(RATE_LIMIT_KEY, name);
