import { applyDecorators, Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators';
import { WechatPushEvent, WechatPushes } from './wechat-push';

/** The query WeChat signs each request with. */
const SignedByWechat = () =>
  applyDecorators(
    ApiQuery({ name: 'signature', description: 'sha1 of the sorted [token, timestamp, nonce]' }),
    ApiQuery({ name: 'timestamp', description: 'Unix seconds; refused when more than 5 minutes off' }),
    ApiQuery({ name: 'nonce' }),
  );

/**
 * The message push URL configured in the mini-program's admin console (JSON, 明文模式), called by
 * WeChat only. Not a JSON API like the others: WeChat sends its own fields (so no whitelist DTO: the
 * handlers check what they read) and expects plain text back.
 */
@ApiTags('wechat')
@Controller('wechat/callback')
@Public()
export class WechatPushController {
  constructor(private readonly pushes: WechatPushes) {}

  @Get()
  @ApiOperation({ summary: 'URL check by WeChat when the push URL is saved: answers echostr when the signature holds' })
  @SignedByWechat()
  @ApiQuery({ name: 'echostr' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The echostr, as plain text' })
  verify(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): string {
    this.pushes.assertSigned(query);
    void reply.type('text/plain; charset=utf-8');
    return typeof query.echostr === 'string' ? query.echostr : '';
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'An event pushed by WeChat (wxa_media_check: the verdict on a photo)',
    description: 'Answers `success` once handled, also for repeats and for events this service does not use; WECHAT_PUSH_SIGNATURE_INVALID / WECHAT_PUSH_STALE 403.',
  })
  @SignedByWechat()
  @ApiBody({ schema: { type: 'object', example: { Event: 'wxa_media_check', trace_id: '6602ffa4-…', version: 2, result: { suggest: 'pass', label: 100 } } } })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: '`success`' })
  async receive(@Query() query: Record<string, unknown>, @Body() event: WechatPushEvent, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    this.pushes.assertSigned(query);
    await this.pushes.dispatch(event && typeof event === 'object' ? event : {});
    void reply.type('text/plain; charset=utf-8');
    return 'success';
  }
}
