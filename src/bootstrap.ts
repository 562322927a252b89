import fastifyMultipart from '@fastify/multipart';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule, AppOptions } from './app.module';
import { DASHBOARD_PAGE_ROUTES } from './dashboard/dashboard-page.controller';
import { errorCatalog } from './common/errors/domain-error';
import { AllExceptionsFilter, toErrorBody } from './common/http/exception.filter';
import { createValidationPipe } from './common/http/validation';
import { createLoggers, logRequests, PinoNestLogger, requestIdOf } from './common/logging';
import { AppConfig } from './config/app-config';

export const API_PREFIX = 'api/v1';
/** Routes served outside /api/v1: the health check and the dashboard page. */
export const UNPREFIXED_ROUTES = ['health', ...DASHBOARD_PAGE_ROUTES];

/**
 * Builds the whole HTTP application exactly as production runs it: used by `main.ts`, the CLI
 * and every e2e test, so tests exercise the real pipes, filters, guards and serialisation.
 */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const frameworkLogger = new NestLogger('HTTP');
  const adapter = new FastifyAdapter({
    trustProxy: config.http.trustProxy,
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdOf,
    // JSON bodies nested deeper than this are refused before they reach validation.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Errors the router answers before any Nest code runs (a path that is not valid percent-encoding,
    // a path parameter over 100 characters): the same coded shape as every other error.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const body = toErrorBody(error, request, frameworkLogger);
      void reply.status(body.statusCode).send(body);
    },
  });
  const loggers = createLoggers(config, options.logStream);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoNestLogger(loggers.app),
    abortOnError: false,
  });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  // Photo uploads. The size limit is enforced while the file streams in (413 UPLOAD_TOO_LARGE),
  // so an oversized upload is never held in memory whole; one file and a few small fields only.
  await app.register(fastifyMultipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: config.media.maxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 8, headerPairs: 50 },
  });

  const fastify = app.getHttpAdapter().getInstance();
  logRequests(fastify, loggers.access);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });

  SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json' });
  await app.init();
  await fastify.ready();
  return app;
}

export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const codes = [...errorCatalog().entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.message} |`)
    .join('\n');
  const config = new DocumentBuilder()
    .setTitle('微心愿 API')
    .setVersion('1')
    .setDescription(
      [
        'Back end of the 微心愿 mini-program and the office dashboard.',
        '',
        'All endpoints are under `/api/v1`, take and return JSON. Errors are `{ statusCode, code, message }`:',
        '`code` is a stable English constant to branch on, `message` is Chinese for the user; `requestId` ties it to the logs.',
        'Lists use cursor pagination: `?limit=` (1–100, default 20) and `?cursor=` (opaque) → `{ items, nextCursor }`.',
        '',
        '| code | HTTP | message |',
        '| --- | --- | --- |',
        codes,
      ].join('\n'),
    )
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
