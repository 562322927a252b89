import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { AuthService } from './auth.service';
import { Public } from './decorators';
import { DevLoginBody, PasswordLoginBody, RefreshBody, TokensView, WechatLoginBody } from './dto/auth.dto';
import { TokenService } from './token.service';

@ApiTags('auth')
@Controller('auth')
@Public()
// Every route here is a login or a token refresh: the strict per-IP limit.
@RateLimit('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
  ) {}

  @Post('wechat/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mini-program login with a wx.login() code (code2Session)', description: 'Errors: WECHAT_CODE_INVALID 400, WECHAT_USER_BLOCKED 403, WECHAT_RATE_LIMITED 429, WECHAT_BUSY / WECHAT_UNAVAILABLE / WECHAT_NOT_CONFIGURED 503' })
  @ApiOkResponse({ type: TokensView })
  wechatLogin(@Body() body: WechatLoginBody): Promise<TokensView> {
    return this.auth.wechatLogin(body.code);
  }

  @Post('password/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Office staff login', description: 'Errors: INVALID_CREDENTIALS 401, ACCOUNT_LOCKED 423 (with Retry-After)' })
  @ApiOkResponse({ type: TokensView })
  passwordLogin(@Body() body: PasswordLoginBody): Promise<TokensView> {
    return this.auth.passwordLogin(body.username, body.password);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token', description: 'A refresh token works once; reusing one revokes its whole family (REFRESH_TOKEN_REUSED 401).' })
  @ApiOkResponse({ type: TokensView })
  refresh(@Body() body: RefreshBody): Promise<TokensView> {
    return this.tokens.refresh(body.refreshToken);
  }

  @Post('dev/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Development login as any role (off in production: 404)' })
  @ApiOkResponse({ type: TokensView })
  @ApiNotFoundResponse({ description: 'DEV_LOGIN_DISABLED' })
  devLogin(@Body() body: DevLoginBody): Promise<TokensView> {
    return this.auth.devLogin(body.openid, body.name, body.roles);
  }
}
