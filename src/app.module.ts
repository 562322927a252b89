import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { loggingParams } from './common/logging';
import { Clock } from './common/time/clock';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MembersModule } from './members/members.module';
import { RegionsModule } from './regions/regions.module';
import { UnitsModule } from './units/units.module';
import { UsersModule } from './users/users.module';
import { WechatModule } from './wechat/wechat.module';
import { WishesModule } from './wishes/wishes.module';

export interface AppOptions {
  /** Replaces the system clock (tests move time instead of sleeping). */
  clock?: Clock;
  /** Where JSON log lines go instead of stdout (tests capture them to check what is logged). */
  logStream?: NodeJS.WritableStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(loggingParams(config, options.logStream)),
        CommonModule.forRoot(options.clock ?? new Clock()),
        DatabaseModule,
        WechatModule,
        AuthModule,
        UsersModule,
        RegionsModule,
        UnitsModule,
        MembersModule,
        WishesModule,
        HealthModule,
      ],
    };
  }
}
