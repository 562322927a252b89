import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { User } from '../users/user.entity';
import { PhotoAccess } from './photo-access';
import { PhotoChecks } from './photo-checks';
import { LocalDiskStorage, PhotoStorage } from './photo-storage';
import { Upload } from './upload.entity';
import { UploadSweeper } from './upload-sweeper';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

/** Photos: upload, storage, content check, serving under the wish's privacy, attaching, cleanup. */
@Module({
  imports: [TypeOrmModule.forFeature([Upload, User])],
  controllers: [UploadsController],
  providers: [
    UploadsService,
    UploadSweeper,
    PhotoChecks,
    PhotoAccess,
    { provide: PhotoStorage, inject: [AppConfig], useFactory: (config: AppConfig) => new LocalDiskStorage(config.media.dir) },
  ],
  exports: [UploadsService, PhotoAccess, UploadSweeper],
})
export class MediaModule {}
