// System metadata as the generic registry fills it (rest.FillObjectMetaSystemFields, names.SimpleNameGenerator).
import { randomInt, randomUUID } from 'node:crypto';
import type { Random } from '../random.js';

/** RFC 3339 with second precision, as metav1.Time serialises. */
let lastSecond = -1;
let lastText = '';

/** RFC 3339 to the second, as metav1.Time is written; the text is reused within a second (many writes share one). */
export function timestamp(date = new Date()): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastText;
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

/** Where UIDs and generated names come from: random, or a seeded stream so that --seed replays a run. */
export interface Identities {
  uid(): string;
  name(prefix: string): string;
}

export const randomIdentities: Identities = { uid: newUID, name: generateName };

/** Version-4-shaped UIDs and generated names drawn from a seeded stream. */
export function seededIdentities(random: Random): Identities {
  return {
    uid: () => `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${'89ab'[random.int(4)]}${random.hex(3)}-${random.hex(12)}`,
    name: (prefix) => {
      const base = prefix.length > maxNameLength - randomLength ? prefix.slice(0, maxNameLength - randomLength) : prefix;
      let suffix = '';
      for (let i = 0; i < randomLength; i++) suffix += alphabet[random.int(alphabet.length)];
      return base + suffix;
    },
  };
}
