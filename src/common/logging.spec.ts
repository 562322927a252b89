import { Writable } from 'node:stream';
import { loadAppConfig } from '../config/app-config';
import { requestTag } from '../auth/principal';
import { createLoggers, PinoNestLogger } from './logging';

/** How Nest's Logger calls (context last, fields first, Nest's own (message, stack)) become pino lines. */
describe('PinoNestLogger', () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' });
  const loggers = createLoggers(config, stream);
  const logger = new PinoNestLogger(loggers.app);
  beforeEach(() => lines.splice(0));

  it('writes fields, message and context of the code\'s calls', () => {
    logger.log({ wishId: 7 }, 'wish transition', 'WishService');
    logger.warn('plain text', 'HTTP');
    logger.debug('no context');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', wishId: 7, msg: 'wish transition', context: 'WishService' }),
      expect.objectContaining({ level: 'warn', msg: 'plain text', context: 'HTTP' }),
      expect.objectContaining({ level: 'debug', msg: 'no context' }),
    ]);
    expect(lines[2]).not.toHaveProperty('context');
  });

  it('keeps an error and Nest\'s (message, stack, context) as err with the stack', () => {
    logger.error(new Error('boom'), 'Outbox');
    logger.error('handler failed', 'Error: handler failed\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ level: 'error', context: 'Outbox', err: { message: 'boom' } });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'ExceptionsHandler', err: { message: 'handler failed', stack: expect.stringContaining('at somewhere') } });
  });

  it('keeps the request id a use case adds for its caller, redacts secrets and masks phone numbers', () => {
    const caller = { id: 7, roles: [], origin: { requestId: 'req-12345678', ip: '127.0.0.1', userAgent: null } };
    logger.log({ ...requestTag(caller), phone: '13912345678', nested: { token: 'abc' } }, 'call 13812345678 now', 'Users');
    logger.log({ ...requestTag({ id: 8, roles: [] }) }, 'outside a request');
    expect(lines[0]).toMatchObject({ reqId: 'req-12345678', phone: '[redacted]', nested: { token: '[redacted]' }, msg: 'call 138****5678 now' });
    expect(lines[1]).not.toHaveProperty('reqId');
  });

  it('redacts secret keys at the top, one level down and in req.headers, without touching the caller\'s objects', () => {
    const fields = {
      password: 'p',
      resident: { name: '张三', phone: '13900000000', home: { address: 'deeper levels are not walked' } },
      req: { headers: { authorization: 'Bearer x', cookie: 'c', accept: 'json' } },
      list: [{ token: 'arrays are left to the serializers' }],
    };
    const before = JSON.stringify(fields);
    logger.log(fields, 'redaction', 'Test');
    expect(JSON.stringify(fields)).toBe(before);
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      resident: { name: '张三', phone: '[redacted]', home: { address: 'deeper levels are not walked' } },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'json' } },
    });
    const error = Object.assign(new Error('boom'), { token: 'on an error', errcode: 40001 });
    logger.error(error, 'Test');
    expect(lines[1]).toMatchObject({ err: { type: 'Error', message: 'boom', stack: expect.stringContaining('boom'), token: '[redacted]', errcode: 40001 } });
    expect(error.token).toBe('on an error');
  });

  it('skips levels that are off without building the line', () => {
    const quiet = new PinoNestLogger(createLoggers(loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn' }), stream).app);
    quiet.log({ big: 'x' }, 'dropped', 'Ctx');
    quiet.warn('kept', 'Ctx');
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'kept' })]);
  });
});
