import type { FastifyRequest } from 'fastify';

/**
 * Where a request came from: its id, which ties the code's log lines about it to its access line,
 * and for the audit log the client's IP and user agent.
 *
 * It travels explicitly — on the caller's Principal (the auth guard sets it) into the use cases —
 * rather than through AsyncLocalStorage. On Node 20 an AsyncLocalStorage in use runs hooks on every
 * promise the process creates; with ~60 promises per request that was 12 % of a wish-detail
 * request's CPU and 9 % of a claim's or a submission's (issue #7).
 */
export interface RequestOrigin {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string | null;
}

const USER_AGENT_MAX = 200;

export function originOf(request: FastifyRequest): RequestOrigin {
  const agent = request.headers['user-agent'];
  return { requestId: request.id, ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : null };
}
