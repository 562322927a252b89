import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CommonErrors, DomainError } from '../errors/domain-error';
import { noteErrorCode } from '../logging';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
  details?: unknown;
}

const HTTP_STATUS_CODES: Record<number, { code: string; message: string }> = {
  400: CommonErrors.MALFORMED_REQUEST,
  401: CommonErrors.UNAUTHENTICATED,
  403: CommonErrors.FORBIDDEN,
  404: CommonErrors.ROUTE_NOT_FOUND,
  405: CommonErrors.METHOD_NOT_ALLOWED,
  409: CommonErrors.CONFLICT,
  413: CommonErrors.PAYLOAD_TOO_LARGE,
  414: CommonErrors.URI_TOO_LONG,
  415: CommonErrors.UNSUPPORTED_MEDIA_TYPE,
  429: CommonErrors.RATE_LIMITED,
};

/** Driver error codes that mean "the database is not reachable right now", not a bug. */
const DATABASE_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  // mysql2's query timeout (DB_QUERY_TIMEOUT_MS): the server did not answer in time.
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'POOL_CLOSED',
  'SQLITE_BUSY',
]);

function databaseDown(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && DATABASE_DOWN.has(code)) return true;
    // mysql2 marks errors that broke the connection as fatal; some carry no code, such as a query on a
    // pooled connection that closed while the server was unreachable.
    if ((current as { fatal?: unknown }).fatal === true) return true;
    current = (current as { driverError?: unknown; cause?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Maps anything thrown to the coded error body, and notes its code for the request's access line.
 * Used by Nest and by Fastify's own error handler.
 */
export function toErrorBody(error: unknown, request: FastifyRequest | undefined, logger: Logger): ErrorBody {
  const body = errorBodyOf(error, request?.id, logger);
  if (request) noteErrorCode(request, body.code);
  return body;
}

function errorBodyOf(error: unknown, requestId: string | undefined, logger: Logger): ErrorBody {
  if (error instanceof DomainError) {
    // A coded 4xx is an expected answer: its code goes on the request's access line, not a line of its own.
    if (error.status >= 500) logger.error({ code: error.code, status: error.status, requestId }, error.message);
    return { statusCode: error.status, code: error.code, message: error.message, requestId, details: error.details };
  }
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = HTTP_STATUS_CODES[status] ?? { code: `HTTP_${status}`, message: '请求无法处理' };
    logger.warn({ code: known.code, status, requestId, reason: (error as Error)?.message }, 'request refused');
    return { statusCode: status, code: known.code, message: known.message, requestId };
  }
  if (databaseDown(error)) {
    logger.error({ requestId, err: error }, 'database unavailable');
    const spec = CommonErrors.DATABASE_UNAVAILABLE;
    return { statusCode: spec.status, code: spec.code, message: spec.message, requestId };
  }
  logger.error({ requestId, err: error }, 'unhandled error');
  const spec = CommonErrors.INTERNAL_ERROR;
  return { statusCode: spec.status, code: spec.code, message: spec.message, requestId };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const body = toErrorBody(exception, request, this.logger);
    if (exception instanceof DomainError) {
      const retryAfter = (exception.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retryAfter) void reply.header('Retry-After', String(retryAfter));
    }
    void reply.status(body.statusCode).send(body);
  }
}
