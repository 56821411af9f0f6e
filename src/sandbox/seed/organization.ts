import { chance, intBetween, pick, type Rng, randomToken, sample, weighted } from '../domain/random.js';
import type { ContactRecord } from '../domain/records.js';
import type { OrgStore } from '../domain/store.js';
import { DAY } from '../domain/time.js';
import type { Channel } from '../domain/types.js';
import { makeConversation, type SeedContext, seconds } from './conversations.js';
import {
  AGENTS,
  CITIES,
  COMPANIES,
  CONTACT_TAGS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  TEMPLATES,
  TIERS,
} from './data.js';

/** Contacts with 12+ conversations each: the benchmark's inbox workload. */
const HEAVY_CONTACTS = 10;

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9]/g, '')
    .toLowerCase();
}

const DIGITS = '0123456789';
/** US 555-01xx and UK 07700 900xxx are fictional ranges; +1 415 555 01xx stays free for docs and curl walkthroughs. */
const PHONE_PATTERNS: ReadonlyArray<readonly [(rng: Rng) => string, number]> = [
  [
    (rng) => `+1${pick(rng, ['212', '312', '646', '206', '512', '617'])}55501${randomToken(rng, 2, DIGITS)}`,
    40,
  ],
  [(rng) => `+447700900${randomToken(rng, 3, DIGITS)}`, 20],
  [(rng) => `+49151${randomToken(rng, 8, DIGITS)}`, 10],
  [(rng) => `+55119${randomToken(rng, 8, DIGITS)}`, 10],
  [(rng) => `+9198${randomToken(rng, 8, DIGITS)}`, 10],
  [(rng) => `+614${randomToken(rng, 8, DIGITS)}`, 10],
];

function uniquePhone(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const phone = weighted(rng, PHONE_PATTERNS)(rng);
    if (!taken.has(phone)) {
      taken.add(phone);
      return phone;
    }
  }
}

function uniqueEmail(rng: Rng, first: string, last: string | null, taken: Set<string>): string {
  const base = last === null ? ascii(first) : `${ascii(first)}.${ascii(last)}`;
  const domain = pick(rng, EMAIL_DOMAINS);
  let email = `${base}@${domain}`;
  for (let n = 2; taken.has(email); n++) email = `${base}${n}@${domain}`;
  taken.add(email);
  return email;
}

function metadataFor(rng: Rng): Record<string, unknown> {
  if (chance(rng, 0.15)) return {};
  const meta: Record<string, unknown> = { customer_id: `cust_${randomToken(rng, 6, '0123456789')}` };
  meta.tier = pick(rng, TIERS);
  if (chance(rng, 0.5)) meta.mrr = intBetween(rng, 1, 200) * 10;
  if (chance(rng, 0.4)) meta.company = pick(rng, COMPANIES);
  if (chance(rng, 0.5)) meta.city = pick(rng, CITIES);
  if (chance(rng, 0.4)) meta.tags = sample(rng, CONTACT_TAGS, intBetween(rng, 1, 3));
  if (chance(rng, 0.3))
    meta.preferences = { marketing_opt_in: chance(rng, 0.5), language: pick(rng, ['en', 'es', 'pt', 'de']) };
  return meta;
}

function makeContact(
  ctx: SeedContext,
  heavy: boolean,
  phones: Set<string>,
  emails: Set<string>,
): ContactRecord {
  const { rng, org, now } = ctx;
  const firstName = pick(rng, FIRST_NAMES);
  const lastName = chance(rng, 0.95) ? pick(rng, LAST_NAMES) : null;
  const kind = heavy
    ? 'both'
    : weighted(rng, [
        ['both', 77],
        ['phone', 15],
        ['email', 8],
      ] as const);
  const phone = kind === 'email' ? null : uniquePhone(rng, phones);
  const email = kind === 'phone' ? null : uniqueEmail(rng, firstName, lastName, emails);
  const reachable: Channel[] = ['instagram'];
  if (phone !== null) reachable.push('whatsapp', 'sms');
  if (email !== null) reachable.push('email');
  const age = heavy ? seconds(rng, 200 * DAY, 400 * DAY) : seconds(rng, 2 * DAY, 400 * DAY);
  const createdAt = now - age;
  const contact: ContactRecord = {
    id: org.newId('cnt_', org.contacts),
    seq: org.seq(),
    phone,
    email,
    firstName,
    lastName,
    preferredChannel: chance(rng, 0.25) ? null : pick(rng, reachable),
    metadata: metadataFor(rng),
    status: chance(rng, 0.92) ? 'active' : 'inactive',
    createdAt,
    updatedAt: chance(rng, 0.5) ? createdAt : createdAt + seconds(rng, 0, age),
    lastContacted: null,
    lastWhatsappInboundAt: null,
    searchText: '',
  };
  org.addContact(contact);
  return contact;
}

/** Fills one organisation deterministically from its own PRNG stream. */
export function seedOrganization(org: OrgStore, contactCount: number, now: number): void {
  for (const agent of AGENTS) org.agents.set(agent.id, agent);
  for (const template of TEMPLATES) org.templates.set(template.name, template);
  const ctx: SeedContext = { org, rng: org.rng, now };
  const indices = Array.from({ length: contactCount }, (_, i) => i);
  const heavy = new Set(sample(ctx.rng, indices, Math.min(HEAVY_CONTACTS, contactCount)));
  const phones = new Set<string>();
  const emails = new Set<string>();
  for (let i = 0; i < contactCount; i++) {
    const contact = makeContact(ctx, heavy.has(i), phones, emails);
    const conversations = heavy.has(i)
      ? intBetween(ctx.rng, 12, 16)
      : weighted(ctx.rng, [
          [0, 10],
          [1, 35],
          [2, 30],
          [3, 15],
          [4, 10],
        ] as const);
    for (let k = 0; k < conversations; k++) makeConversation(ctx, contact);
  }
}
