import { ApiProperty } from '@nestjs/swagger';
import { CHECK_STATUSES, CheckStatus, PHOTO_MIMES, PhotoMime } from '../upload.entity';

export class UploadView {
  @ApiProperty({ example: 'Qm9vdHN0cmFwUGhvdG8xMg', description: 'Pass it in photoIds of a wish or a fulfilment' })
  id!: string;

  @ApiProperty({ example: '/api/v1/uploads/Qm9vdHN0cmFwUGhvdG8xMg', description: 'GET with the bearer token' })
  url!: string;

  @ApiProperty({ enum: PHOTO_MIMES, description: 'Stored type (WebP is stored as JPEG or PNG)' })
  mime!: PhotoMime;

  @ApiProperty({ description: 'Width after the long side was capped' })
  width!: number;

  @ApiProperty()
  height!: number;

  @ApiProperty({ description: 'Size of the stored photo in bytes' })
  bytes!: number;

  @ApiProperty({ enum: CHECK_STATUSES, description: 'Content check: only `pass` photos are shown to others' })
  status!: CheckStatus;
}

/** The one URL shape of a photo; wish views use it too. */
export const photoUrl = (id: string) => `/api/v1/uploads/${id}`;
