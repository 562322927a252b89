import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { FieldCipher } from './field-cipher';

const cipherWith = (key: Buffer) => new FieldCipher({ fieldEncryptionKey: key } as AppConfig);

/** Flips one bit of one base64url part of a stored value (decoding first, so padding bits cannot hide the change). */
function tamper(stored: string, part: 1 | 2 | 3): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('FieldCipher', () => {
  const key = randomBytes(32);
  const cipher = cipherWith(key);

  it.each(['13800138000', '张三明 🏠永安社区3号楼', 'x'.repeat(200)])('round-trips %s', (plain) => {
    const stored = cipher.encrypt(plain);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
    expect(stored).not.toContain(plain);
    expect(cipher.decrypt(stored)).toBe(plain);
  });

  it('keeps a phone number within the 255-character column', () => {
    expect(cipher.encrypt('13800138000').length).toBeLessThan(255);
  });

  it('uses a random IV, so the same value encrypts differently each time', () => {
    const a = cipher.encrypt('13800138000');
    const b = cipher.encrypt('13800138000');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(cipher.decrypt(a)).toBe(cipher.decrypt(b));
  });

  it.each([
    ['the ciphertext', 3],
    ['the auth tag', 2],
    ['the IV', 1],
  ] as const)('refuses a value whose %s was tampered with', (_label, part) => {
    const stored = cipher.encrypt('13800138000');
    expect(() => cipher.decrypt(tamper(stored, part))).toThrow();
  });

  it('refuses a value encrypted under another key', () => {
    const stored = cipherWith(randomBytes(32)).encrypt('13800138000');
    expect(() => cipher.decrypt(stored)).toThrow();
  });

  it.each(['13800138000', 'v2.a.b.c', 'v1.onlyiv', ''])('refuses the unrecognised stored value %j', (stored) => {
    expect(() => cipher.decrypt(stored)).toThrow();
  });

  it('maps empty values to null both ways', () => {
    expect(cipher.encryptNullable(null)).toBeNull();
    expect(cipher.encryptNullable(undefined)).toBeNull();
    expect(cipher.encryptNullable('')).toBeNull();
    expect(cipher.decryptNullable(null)).toBeNull();
    expect(cipher.decryptNullable(cipher.encryptNullable('13900139000'))).toBe('13900139000');
  });
});
