import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { Clock } from './common/time/clock';
import { ThrottlingModule } from './common/throttling/throttling.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { ContentModule } from './content/content.module';
import { HealthModule } from './health/health.module';
import { MediaModule } from './media/media.module';
import { MembersModule } from './members/members.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutboxModule } from './outbox/outbox.module';
import { PrivacyModule } from './privacy/privacy.module';
import { RegionsModule } from './regions/regions.module';
import { SchedulerModule } from './scheduler/scheduler.module';
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
        CommonModule.forRoot(options.clock ?? new Clock()),
        DatabaseModule,
        WechatModule,
        // Before AuthModule: its global guard runs after the rate limit's (see ThrottlingModule).
        ThrottlingModule.forRoot(config),
        AuthModule,
        AuditModule,
        UsersModule,
        RegionsModule,
        UnitsModule,
        MembersModule,
        ContentModule,
        MediaModule,
        WishesModule,
        PrivacyModule,
        OutboxModule,
        NotificationsModule,
        SchedulerModule,
        DashboardModule,
        HealthModule,
      ],
    };
  }
}
