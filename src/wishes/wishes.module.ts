import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MembersModule } from '../members/members.module';
import { RegionsModule } from '../regions/regions.module';
import { AdminWishesController } from './admin-wishes.controller';
import { WishEventBus } from './wish-event-bus';
import { WishLimits } from './wish-limits';
import { WishEvent } from './wish-event.entity';
import { MemberClaimLoad, Wish } from './wish.entity';
import { WishRepository } from './wish.repository';
import { WishService } from './wish.service';
import { assertTransitionTableValid } from './wish-state';
import { MemberClaimsController, WishesController } from './wishes.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Wish, WishEvent, MemberClaimLoad]), MembersModule, RegionsModule],
  controllers: [WishesController, MemberClaimsController, AdminWishesController],
  providers: [WishService, WishRepository, WishLimits, WishEventBus],
  exports: [WishService, WishRepository, WishEventBus],
})
export class WishesModule implements OnModuleInit {
  onModuleInit(): void {
    assertTransitionTableValid();
  }
}
