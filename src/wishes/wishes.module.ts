import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContentModule } from '../content/content.module';
import { MediaModule } from '../media/media.module';
import { PhotoAccess } from '../media/photo-access';
import { MembersModule } from '../members/members.module';
import { RegionsModule } from '../regions/regions.module';
import { AdminWishesController } from './admin-wishes.controller';
import { WishEventBus } from './wish-event-bus';
import { WishLimits } from './wish-limits';
import { WishEvent } from './wish-event.entity';
import { MemberClaimLoad, Wish } from './wish.entity';
import { WishQueries } from './wish-queries.service';
import { WishReadRepository } from './wish-read.repository';
import { WishRelations } from './wish-relations';
import { WishSubmissions } from './wish-submissions.service';
import { WishRepository } from './wish.repository';
import { WishService } from './wish.service';
import { assertTransitionTableValid } from './wish-state';
import { MemberClaimsController, WishesController } from './wishes.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Wish, WishEvent, MemberClaimLoad]), MembersModule, RegionsModule, ContentModule, MediaModule],
  controllers: [WishesController, MemberClaimsController, AdminWishesController],
  providers: [WishService, WishSubmissions, WishQueries, WishRelations, WishRepository, WishReadRepository, WishLimits, WishEventBus],
  exports: [WishService, WishRepository, WishEventBus],
})
export class WishesModule implements OnModuleInit {
  constructor(
    private readonly queries: WishQueries,
    private readonly photoAccess: PhotoAccess,
  ) {}

  onModuleInit(): void {
    assertTransitionTableValid();
    // Photos attached to a wish are seen by whoever may see the wish (media cannot import this module).
    this.photoAccess.registerWishPolicy((principal, wishId) => this.queries.photoViewer(principal, wishId));
  }
}
