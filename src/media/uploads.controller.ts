import { Controller, Get, Headers, Param, PipeTransform, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { UploadView } from './dto/upload.view';
import { MediaErrors } from './media.errors';
import { receiveFile } from './multipart';
import { PhotoFile, UploadsService } from './uploads.service';

/** Upload ids as minted by the service; anything else cannot exist, so it is a plain 404. */
class UploadIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw MediaErrors.UPLOAD_NOT_FOUND.error();
    return value;
  }
}

const PHOTO_TYPES = ['image/jpeg', 'image/png'];

@ApiTags('uploads')
@Controller('uploads')
export class UploadsController {
  constructor(
    private readonly uploads: UploadsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Authenticated()
  @ApiOperation({
    summary: 'Upload one photo (multipart/form-data, one file part)',
    description:
      'JPEG, PNG or WebP, recognised by content (name and declared type are ignored), at most UPLOAD_MAX_BYTES (default 10 MB). ' +
      'EXIF (GPS included) and all other metadata are removed and the long side is capped at UPLOAD_MAX_SIDE_PX (2048). ' +
      'Attach it by id in photoIds within a day, or it is removed. Errors: UPLOAD_TOO_LARGE 413 (sent as soon as the limit is passed; the client may stop sending), UPLOAD_TYPE_REFUSED 422, UPLOAD_UNREADABLE 422, UPLOAD_NOT_MULTIPART 415, UPLOAD_FILE_MISSING 400.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: UploadView })
  async upload(@CurrentUser() user: Principal, @Req() request: FastifyRequest): Promise<UploadView> {
    return this.uploads.upload(user, await receiveFile(request, this.config.media.maxBytes));
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    summary: 'The photo bytes',
    description: 'For its uploader; for whoever may see the wish it is attached to once it passed the content check; for offices in scope always. Cache-Control: private, ETag / If-None-Match.',
  })
  @ApiProduces(...PHOTO_TYPES)
  @ApiOkResponse({ description: 'The photo', schema: { type: 'string', format: 'binary' } })
  @ApiNotModifiedResponse({ description: 'If-None-Match matched' })
  async get(
    @CurrentUser() user: Principal,
    @Param('id', UploadIdPipe) id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendPhoto(reply, await this.uploads.read(user, id), ifNoneMatch, 'private, max-age=86400');
  }

  @Get(':id/check-copy')
  @Public()
  @ApiOperation({ summary: 'The photo for WeChat\'s content checker (signed URL handed to mediaCheckAsync; valid while the check is pending)' })
  @ApiQuery({ name: 'expires', description: 'Unix seconds' })
  @ApiQuery({ name: 'signature' })
  @ApiProduces(...PHOTO_TYPES)
  @ApiOkResponse({ description: 'The photo', schema: { type: 'string', format: 'binary' } })
  async checkCopy(
    @Param('id', UploadIdPipe) id: string,
    @Query('expires') expires: unknown,
    @Query('signature') signature: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendPhoto(reply, await this.uploads.readForCheck(id, expires, signature), undefined, 'no-store');
  }
}

async function sendPhoto(reply: FastifyReply, photo: PhotoFile, ifNoneMatch: string | undefined, cacheControl: string): Promise<void> {
  const notModified = ifNoneMatch?.split(',').some((tag) => tag.trim() === photo.etag || tag.trim() === '*');
  // Opened before any header is set, so a missing file is a clean coded 404.
  const stream = notModified ? undefined : await photo.open();
  void reply.header('Cache-Control', cacheControl).header('ETag', photo.etag).header('X-Content-Type-Options', 'nosniff');
  if (!stream) {
    await reply.status(304).send();
    return;
  }
  await reply.status(200).type(photo.mime).header('Content-Length', String(photo.bytes)).send(stream);
}
