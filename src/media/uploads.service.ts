import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Brackets, EntityManager, In, Repository } from 'typeorm';
import { Principal, requestTag } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { photoUrl, UploadView } from './dto/upload.view';
import { processPhoto } from './image-processor';
import { MediaErrors } from './media.errors';
import type { ReceivedFile } from './multipart';
import { PhotoAccess } from './photo-access';
import { PhotoChecks } from './photo-checks';
import { PhotoStorage } from './photo-storage';
import { AttachmentRole, PhotoMime, Upload } from './upload.entity';

/** A photo the caller may read: its headers, and its bytes on demand (not opened for a 304). */
export interface PhotoFile {
  id: string;
  mime: PhotoMime;
  bytes: number;
  /** Strong validator: a photo's bytes never change under its id. */
  etag: string;
  open(): Promise<Readable>;
}

/** Where photos are being attached: a wish's own photos, or a claimer's evidence for it. */
export interface AttachTarget {
  wishId?: number;
  role: AttachmentRole;
}

const EXTENSION: Record<PhotoMime, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };

/** 128 random bits as 22 url-safe characters: not guessable, fits the photoIds pattern. */
export const newUploadId = () => randomBytes(16).toString('base64url');

/**
 * Photos: upload, reading back under the wish's privacy rules, and attaching to wishes. A photo is
 * attached once, by a conditional update inside the wish's own transaction, so one upload can never
 * end up on two wishes, nor on somebody else's.
 */
@Injectable()
export class UploadsService {
  private readonly logger = new Logger(UploadsService.name);

  constructor(
    @InjectRepository(Upload) private readonly uploads: Repository<Upload>,
    private readonly storage: PhotoStorage,
    private readonly access: PhotoAccess,
    private readonly checks: PhotoChecks,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  // ── Upload ─────────────────────────────────────────────────────────────────

  async upload(principal: Principal, file: ReceivedFile): Promise<UploadView> {
    const photo = await processPhoto(file.data, this.config.media.maxSidePx);
    const { status, openid } = await this.checks.initialStatus(principal.id);
    const id = newUploadId();
    const upload: Upload = {
      id,
      ownerId: principal.id,
      mime: photo.mime,
      bytes: photo.data.length,
      width: photo.width,
      height: photo.height,
      // Two characters of the id as a folder keep any one folder small.
      storageKey: `${id.slice(0, 2)}/${id}.${EXTENSION[photo.mime]}`,
      status,
      traceId: null,
      checkLabel: null,
      checkedAt: null,
      wishId: null,
      role: null,
      attachedAt: null,
      createdAt: this.clock.now(),
    };
    // Row first, then bytes: if the process dies in between, the row is an orphan the sweep removes;
    // the other order would leave a file nothing points to.
    await this.tx.run((m) => m.getRepository(Upload).insert(upload));
    try {
      await this.storage.put(upload.storageKey, photo.data, photo.mime);
    } catch (error) {
      await this.tx.run((m) => m.getRepository(Upload).delete({ id }));
      throw error;
    }
    this.logger.log({ uploadId: id, owner: principal.id, bytes: upload.bytes, width: upload.width, height: upload.height, status, ...requestTag(principal) }, 'photo uploaded');
    if (status === 'pending' && openid) await this.checks.send(id, openid);
    return toUploadView(upload);
  }

  // ── Reading ────────────────────────────────────────────────────────────────

  /**
   * A photo for the caller: its owner always; otherwise whoever may see the wish it is attached to,
   * once it passed the content check (offices in scope also before). Anything else is 404.
   */
  async read(principal: Principal, id: string): Promise<PhotoFile> {
    const upload = await this.uploads.findOneBy({ id });
    if (!upload || !(await this.mayRead(principal, upload))) throw MediaErrors.UPLOAD_NOT_FOUND.error();
    return this.fileOf(upload);
  }

  /** The copy WeChat's checker fetches through a signed URL; only while the check is pending. */
  async readForCheck(id: string, expires: unknown, signature: unknown): Promise<PhotoFile> {
    if (!this.checks.verifySignedUrl(id, expires, signature)) throw MediaErrors.UPLOAD_NOT_FOUND.error();
    const upload = await this.uploads.findOneBy({ id });
    if (!upload || upload.status !== 'pending') throw MediaErrors.UPLOAD_NOT_FOUND.error();
    return this.fileOf(upload);
  }

  /**
   * Of these photo ids, the ones this viewer may see in a wish view: photos that passed the check,
   * the viewer's own, and all of them for an office in scope (`moderator`). Ids without an upload
   * are never shown.
   */
  async visibleIds(viewerId: number, ids: readonly string[], moderator: boolean): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.uploads.find({ select: { id: true, ownerId: true, status: true }, where: { id: In([...new Set(ids)]) } });
    return new Set(rows.filter((row) => moderator || row.status === 'pass' || row.ownerId === viewerId).map((row) => row.id));
  }

  // ── Attaching ──────────────────────────────────────────────────────────────

  /**
   * Fails fast, before any remote content check is paid for, when the ids are not the caller's free
   * uploads. `attach` re-checks inside the transaction; this is only the early answer.
   */
  async assertAttachable(ownerId: number, ids: readonly string[], target: AttachTarget): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.uploads.find({ select: { id: true, ownerId: true, wishId: true, role: true }, where: { id: In([...ids]) } });
    const usable = rows.filter((row) => row.ownerId === ownerId && (row.wishId === null || (row.wishId === target.wishId && row.role === target.role)));
    if (usable.length !== new Set(ids).size) throw MediaErrors.UPLOAD_INVALID.error();
  }

  /**
   * Attaches the caller's photos to a wish inside the caller's transaction, all or none: one
   * conditional update whose affected count must equal the number of ids (else 422 UPLOAD_INVALID,
   * and the transaction rolls back). A photo already attached to this same wish in the same role
   * may be named again (a fulfilment reported anew after a dispute keeps its photos).
   */
  async attach(manager: EntityManager, ownerId: number, ids: readonly string[], target: Required<AttachTarget>, now: Date): Promise<void> {
    if (ids.length === 0) return;
    const { wishId, role } = target;
    const result = await manager
      .createQueryBuilder()
      .update(Upload)
      .set({ wishId, role, attachedAt: now })
      .where('id IN (:...ids) AND owner_id = :ownerId', { ids: [...ids], ownerId })
      .andWhere(new Brackets((free) => free.where('wish_id IS NULL').orWhere('(wish_id = :wishId AND role = :role)', { wishId, role })))
      .execute();
    if (result.affected !== new Set(ids).size) throw MediaErrors.UPLOAD_INVALID.error();
  }

  private async mayRead(principal: Principal, upload: Upload): Promise<boolean> {
    if (upload.ownerId === principal.id) return true;
    if (upload.wishId === null) return false;
    const viewer = await this.access.viewerOfWish(principal, upload.wishId);
    return viewer.moderate || (viewer.see && upload.status === 'pass');
  }

  private fileOf(upload: Upload): PhotoFile {
    return {
      id: upload.id,
      mime: upload.mime,
      bytes: upload.bytes,
      etag: `"${upload.id}"`,
      open: async () => {
        const stream = await this.storage.get(upload.storageKey);
        if (!stream) {
          this.logger.error({ uploadId: upload.id }, 'photo row without its file');
          throw MediaErrors.UPLOAD_NOT_FOUND.error();
        }
        return stream;
      },
    };
  }
}

export function toUploadView(upload: Pick<Upload, 'id' | 'mime' | 'width' | 'height' | 'bytes' | 'status'>): UploadView {
  return { id: upload.id, url: photoUrl(upload.id), mime: upload.mime, width: upload.width, height: upload.height, bytes: upload.bytes, status: upload.status };
}
