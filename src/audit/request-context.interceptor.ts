import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { RequestContexts } from './request-context';

const USER_AGENT_MAX = 200;

/**
 * Runs each HTTP handler inside its RequestContext (request id, client IP as Fastify reports it —
 * which honours TRUST_PROXY — and user agent). The handler is subscribed to inside `run`, so the
 * context follows every await of the use case.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const agent = request.headers['user-agent'];
    const store = {
      requestId: request.id,
      ip: request.ip,
      userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : undefined,
    };
    return new Observable((subscriber) => RequestContexts.run(store, () => next.handle().subscribe(subscriber)));
  }
}
