import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

/** Where the current request came from: its id for every log line, the rest for the audit log. */
export interface RequestContext {
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

const USER_AGENT_MAX = 200;
const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The current request's origin, carried by AsyncLocalStorage so that a service deep in a use case
 * (the audit log) and every log line can tell "which request, from where" without the request
 * object being passed through every layer. Empty outside a request (the scheduler, the CLI).
 *
 * One storage serves both logging and audit: each AsyncLocalStorage in use adds work to every
 * promise the process creates (issue #7 measured two of them at 6.5 % of the busy time).
 */
export const RequestContexts = {
  run<T>(context: RequestContext, work: () => T): T {
    return storage.run(context, work);
  },
  current(): RequestContext {
    return storage.getStore() ?? {};
  },
};

/**
 * Runs each route's handler — Nest's guards, pipes, controller and exception filter — inside the
 * request's context. preHandler is the last hook before the handler, after the body is read, and
 * Fastify calls the handler synchronously from its `done`, so everything the handler awaits
 * inherits the store. (A Nest interceptor did this before; with none left, Nest skips its
 * interceptor chain and the RxJS it brings on every request.)
 */
export function bindRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    const agent = request.headers['user-agent'];
    const context: RequestContext = {
      requestId: request.id,
      ip: request.ip,
      userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : undefined,
    };
    storage.run(context, done);
  });
}
