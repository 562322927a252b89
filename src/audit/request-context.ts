import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the current request came from, for the audit log. */
export interface RequestContext {
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The current request's origin, carried by AsyncLocalStorage so that a service deep in a use case
 * can record "from where" without the request object being passed through every layer.
 * Empty outside a request (the scheduler, the CLI).
 */
export const RequestContexts = {
  run<T>(context: RequestContext, work: () => T): T {
    return storage.run(context, work);
  },
  current(): RequestContext {
    return storage.getStore() ?? {};
  },
};
