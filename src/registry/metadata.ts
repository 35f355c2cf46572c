// System metadata as the generic registry fills it (rest.FillObjectMetaSystemFields, names.SimpleNameGenerator).
import { randomInt, randomUUID } from 'node:crypto';

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const newUID = (): string => randomUUID();

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxNameLength = 63;
const randomLength = 5;

export function generateName(prefix: string): string {
  const base = prefix.length > maxNameLength - randomLength ? prefix.slice(0, maxNameLength - randomLength) : prefix;
  let suffix = '';
  for (let i = 0; i < randomLength; i++) suffix += alphabet[randomInt(alphabet.length)];
  return base + suffix;
}
