import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config';
import { maskPhonesIn } from './masking';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Takes the caller's X-Request-Id when it looks sane, otherwise makes one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Keys whose values never reach a log line, wherever they appear. */
const SECRET_KEYS = [
  'authorization', 'cookie', 'password', 'passwordHash', 'refreshToken', 'accessToken', 'token',
  'phone', 'address', 'openid', 'session_key', 'sessionKey', 'secret', 'js_code',
];

/**
 * Lines are collected up to 4 KB, or for at most a second, before they are written: one write per
 * line was a system call per request on the hot path (issue #7). pino flushes what is left when the
 * process exits; only a SIGKILL can lose the last second.
 */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/**
 * JSON logs with the request id on every line. Secrets are redacted by key, and any mainland
 * mobile number that still slips into a line (inside a message, say) is masked on the way out.
 *
 * One pino logger serves both the per-request logger (pino-http) and code logging outside a
 * request, so every line goes through the same redaction and the same destination (stdout, or the
 * stream a test captures).
 */
export function loggingParams(config: AppConfig, stream?: NodeJS.WritableStream): Params {
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'wish-service' },
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), 'req.headers.authorization', 'req.headers.cookie'],
        censor: '[redacted]',
      },
      hooks: { streamWrite: (line: string) => maskPhonesIn(line) },
      formatters: { level: (label: string) => ({ level: label }) },
    },
    (stream as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS }),
  );
  return {
    pinoHttp: {
      logger,
      genReqId: (req) => ((req as IncomingMessage & { id?: string }).id ??= requestIdOf(req)),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      quietReqLogger: true,
    },
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
