import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/decorators';
import { CommonErrors } from '../common/errors/domain-error';

/** The page's files: our own from src/dashboard/page (copied to dist), ECharts from its package — no CDN, works offline. */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'app.js': { file: () => join(__dirname, 'page', 'app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: () => join(__dirname, 'page', 'app.css'), type: 'text/css; charset=utf-8' },
  'echarts.min.js': { file: () => require.resolve('echarts/dist/echarts.min.js'), type: 'text/javascript; charset=utf-8' },
};

/** Routes excluded from the /api/v1 prefix (see bootstrap.ts). */
export const DASHBOARD_PAGE_ROUTES = ['dashboard', 'dashboard/assets/:file'];

/** The office dashboard page, served by the service itself at /dashboard. */
@ApiTags('dashboard page')
@Controller('dashboard')
@Public()
export class DashboardPageController {
  private readonly cache = new Map<string, Buffer>();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @ApiOperation({ summary: 'The office dashboard (HTML page; logs in with the password login)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  page(): Buffer {
    return this.read('index.html', () => join(__dirname, 'page', 'index.html'));
  }

  @Get('assets/:file')
  @ApiOperation({ summary: 'Scripts and styles of the dashboard page (app.js, app.css, echarts.min.js)' })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file' })
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw CommonErrors.NOT_FOUND.error();
    void reply.header('content-type', asset.type).header('cache-control', 'public, max-age=3600');
    return this.read(file, asset.file);
  }

  private read(name: string, path: () => string): Buffer {
    let content = this.cache.get(name);
    if (!content) this.cache.set(name, (content = readFileSync(path())));
    return content;
  }
}
