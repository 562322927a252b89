import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/user.entity';
import { ContentGuard } from './content-guard';

/** Content security of user text: local sensitive-word list + WeChat msgSecCheck. */
@Module({
  imports: [TypeOrmModule.forFeature([User])],
  providers: [ContentGuard],
  exports: [ContentGuard],
})
export class ContentModule {}
