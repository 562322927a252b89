import { Module } from '@nestjs/common';
import { WishesModule } from '../wishes/wishes.module';
import { PrivacyController } from './privacy.controller';
import { PrivacyService } from './privacy.service';

/** PIPL data rights: a copy of one's data, and account erasure. */
@Module({
  imports: [WishesModule],
  controllers: [PrivacyController],
  providers: [PrivacyService],
})
export class PrivacyModule {}
