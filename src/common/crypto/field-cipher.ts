import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

/**
 * Encrypts personal fields (phone numbers, WeChat session keys) at rest with AES-256-GCM.
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url parts), so the key can be rotated later
 * by adding `v2`.
 */
@Injectable()
export class FieldCipher {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = config.fieldEncryptionKey;
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  decrypt(stored: string): string {
    const [version, iv, tag, data] = stored.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptNullable(plain: string | null | undefined): string | null {
    return plain ? this.encrypt(plain) : null;
  }

  decryptNullable(stored: string | null | undefined): string | null {
    return stored ? this.decrypt(stored) : null;
  }
}
