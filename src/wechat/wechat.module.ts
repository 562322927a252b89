import { Global, Module } from '@nestjs/common';
import { WechatClient } from './wechat.client';
import { WechatPushes } from './wechat-push';
import { WechatPushController } from './wechat-push.controller';
import { WechatTokenService } from './wechat-token.service';

@Global()
@Module({
  controllers: [WechatPushController],
  providers: [WechatClient, WechatTokenService, WechatPushes],
  exports: [WechatClient, WechatTokenService, WechatPushes],
})
export class WechatModule {}
