/**
 * Masking for public views (PIPL): a name keeps its first and last character (张*明, 张*),
 * a phone its first three and last four digits (138****8000).
 */
export function maskName(name: string | null | undefined): string {
  if (!name) return '匿名';
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '匿名';
  if (chars.length === 1) return `${chars[0]}*`;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(Math.min(chars.length - 2, 3))}${chars[chars.length - 1]}`;
}

export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\s+/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** Replaces every mainland mobile number in free text (log lines) by its mask, with or without the 86 country code. */
export function maskPhonesIn(text: string): string {
  return text.replace(/(?<!\d)((?:86)?1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, '$1****$3');
}
