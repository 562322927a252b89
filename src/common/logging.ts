import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino, { DestinationStream, Level, Logger as Pino, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';
import { maskPhonesIn } from './masking';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Takes the caller's X-Request-Id when it looks sane, otherwise makes one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Keys whose values never reach a log line: at the top of a line's fields, one level down, and in `req.headers`. */
const SECRET_KEYS = new Set([
  'authorization', 'cookie', 'password', 'passwordHash', 'refreshToken', 'accessToken', 'token',
  'phone', 'address', 'openid', 'session_key', 'sessionKey', 'secret', 'js_code',
]);
const CENSOR = '[redacted]';

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * The app logger's redaction, in one pass over a line's fields: secret keys are censored at the top
 * level, one level down (`resident.phone`), and in `req.headers`. The caller's objects are copied
 * where something is censored, never changed. It replaces pino's path redaction (`key`, `*.key`),
 * which cost 11 µs a line against 0.5 µs, on the line every claim and submission writes (issue #7).
 * An error's own fields are censored the same way (a copy keeps its class, message and stack for
 * pino's serializer); arrays and other class instances are left as they are.
 */
export function redactSecrets(fields: Record<string, unknown>, depth = 0, parent?: string): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    let safe = value;
    if (SECRET_KEYS.has(key)) safe = CENSOR;
    else if ((depth === 0 || (depth === 1 && parent === 'req' && key === 'headers')) && isPlainObject(value)) safe = redactSecrets(value, depth + 1, key);
    else if (depth === 0 && value instanceof Error) safe = redactError(value);
    if (safe !== value) (copy ??= { ...fields })[key] = safe;
  }
  return copy ?? fields;
}

/**
 * Lines are collected up to 4 KB, or for at most a second, before they are written: one write per
 * line was a system call per request on the hot path (issue #7). pino flushes what is left when the
 * process exits; only a SIGKILL can lose the last second.
 */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

function redactError(error: Error): Error {
  const fields = error as unknown as Record<string, unknown>;
  const censored = redactSecrets(fields, 1);
  if (censored === fields) return error;
  return Object.assign(Object.create(Object.getPrototypeOf(error)) as Error, censored, { message: error.message, stack: error.stack });
}

export interface Loggers {
  /**
   * Everything the code logs (through Nest's Logger), secrets redacted by key. A use case acting for a
   * caller adds the request's id itself (`requestTag(principal)`: `reqId`, as on the access line).
   */
  app: Pino;
  /** One line per answered request, fields chosen here: no redaction pass needed. */
  access: Pino;
}

/**
 * JSON logs. Both loggers write to the same destination (stdout, or the stream a test captures).
 *
 * Two loggers instead of one because the access line's fields are chosen by logRequests: of them only
 * the request id and the path come from the client, and those two are masked there. The app logger
 * redacts secret keys and masks any mainland mobile number that still slips into a line (inside a
 * message, say) on the way out; the access line skips both passes over its whole text.
 */
export function createLoggers(config: AppConfig, stream?: NodeJS.WritableStream): Loggers {
  const destination = (stream as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
  const common: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'wish-service' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const app = pino(
    { ...common, hooks: { streamWrite: (line: string) => maskPhonesIn(line) }, formatters: { ...common.formatters, log: (fields) => redactSecrets(fields) } },
    destination,
  );
  return { app, access: pino(common, destination) };
}

const errorCodes = new WeakMap<FastifyRequest, string>();

/** The coded error a request was answered with, for its access line (called by the exception handlers). */
export function noteErrorCode(request: FastifyRequest, code: string): void {
  errorCodes.set(request, code);
}

/**
 * The access log: one line per answered request, at info (warn for 4xx, error for 5xx), written when
 * the response has been sent, with the error code when there is one. Paths only: a query string may
 * carry search text.
 */
export function logRequests(fastify: FastifyInstance, access: Pino): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level: Level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (access.isLevelEnabled(level)) {
      const url = request.url;
      const query = url.indexOf('?');
      // Flat fields: the same `reqId` key as the code's lines, and no nested object for pino to stringify.
      access[level](
        {
          reqId: maskPhonesIn(request.id),
          method: request.method,
          url: maskPhonesIn(query === -1 ? url : url.slice(0, query)),
          statusCode: status,
          code: status >= 400 ? errorCodes.get(request) : undefined,
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, Level> = { log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal' };

/**
 * Nest's Logger (`new Logger('Context').log(...)`, used throughout the code and by Nest itself)
 * written as pino lines. Nest passes the context as the last argument; a message may be text or an
 * object of fields followed by the message; Nest's own exception handlers pass `(message, stack, context)`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: NestLevel, message: unknown, params: unknown[]): void {
    const level = PINO_LEVEL[nestLevel];
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const extra = params.slice();
    if (extra.length > 0) fields.context = extra.pop();
    if (typeof message === 'object' && message !== null) {
      // (fields, 'message', context) as the code writes it, or (error, context).
      if (message instanceof Error) fields.err = message;
      else Object.assign(fields, message);
      this.pino[level](fields, ...(extra as [string?]));
    } else if (nestLevel === 'error' && typeof extra[0] === 'string' && /\n\s*at /.test(extra[0])) {
      // (message, stack): keep the stack as an error, not as a second message argument.
      const err = new Error(String(message));
      err.stack = extra[0];
      this.pino.error(Object.assign(fields, { err }));
    } else {
      this.pino[level](fields, String(message), ...extra);
    }
  }
}
