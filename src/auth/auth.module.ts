import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';
import { UsersModule } from '../users/users.module';
import { AccessService } from './access.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RefreshToken } from './refresh-token.entity';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [
    UsersModule,
    TypeOrmModule.forFeature([User, RefreshToken, Region]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.auth.jwtSecret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, TokenService, AccessService, { provide: APP_GUARD, useClass: JwtAuthGuard }],
  // JwtModule too: the rate limiter (src/common/throttling) counts per verified user before this module's guard runs.
  exports: [AccessService, TokenService, JwtModule],
})
export class AuthModule {}
