import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/**
 * The access token of the mini-program, shared by every instance (one row per appid).
 *
 * The token is a credential valid for up to two hours: it is stored encrypted, with a short
 * fingerprint so that "forget this exact token" can be a conditional update. `refreshingUntil` /
 * `refreshingBy` are the refresh lease: one instance at a time asks WeChat for a token, the
 * others wait for the row to be filled.
 */
@Entity('wechat_token')
export class WechatToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  appId!: string;

  /** FieldCipher ciphertext of the token (tokens may be 512+ characters). */
  @Column({ type: 'varchar', length: 1500, nullable: true })
  tokenCipher!: string | null;

  /** First 32 hex characters of the token's SHA-256. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  tokenFingerprint!: string | null;

  @TimestampColumn({ nullable: true })
  expiresAt!: Date | null;

  @TimestampColumn({ nullable: true })
  refreshingUntil!: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  refreshingBy!: string | null;

  @TimestampColumn()
  updatedAt!: Date;
}
