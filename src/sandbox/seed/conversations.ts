import { chance, intBetween, pick, type Rng, randomToken, sample, weighted } from '../domain/random.js';
import {
  type Agent,
  type ContactRecord,
  type ConversationRecord,
  fullName,
  type MessageRecord,
  renderTemplate,
  type Template,
} from '../domain/records.js';
import type { OrgStore } from '../domain/store.js';
import { DAY, HOUR, MINUTE, SECOND } from '../domain/time.js';
import type { Channel, MessageType } from '../domain/types.js';
import {
  AGENTS,
  DOCUMENT_NAMES,
  FAILURE_REASONS,
  IMAGE_CAPTIONS,
  LABELS,
  SYSTEM_LINES,
  TEMPLATES,
  TOPICS,
  type Topic,
} from './data.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September'];

/*
 * Every random draw below depends only on earlier draws, never on the clock: times are offsets
 * subtracted from `now` at the end, so the same seed gives the same ids and content at any time.
 */

export interface SeedContext {
  org: OrgStore;
  rng: Rng;
  now: number;
}

export function seconds(rng: Rng, min: number, max: number): number {
  return intBetween(rng, Math.floor(min / SECOND), Math.floor(max / SECOND)) * SECOND;
}

function templateParameters(rng: Rng, template: Template, contact: ContactRecord, order: string): string[] {
  const date = `${pick(rng, MONTHS)} ${intBetween(rng, 1, 28)}`;
  switch (template.name) {
    case 'order_confirmation':
      return [contact.firstName, order, `$${intBetween(rng, 10, 500)}.99`, date];
    case 'shipping_update':
      return [contact.firstName, order, `https://track.example.com/${order}`];
    case 'appointment_reminder':
      return [date, `${intBetween(rng, 9, 16)}:${pick(rng, ['00', '30'])}`];
    default:
      return [contact.firstName];
  }
}

type Side = 'contact' | 'user' | 'system';

function nextLine(lines: string[], index: number, order: string, agent: Agent): string {
  return lines[index % lines.length].replace('{n}', order.slice(4)).replace('{agent}', agent.name);
}

export function makeConversation(ctx: SeedContext, contact: ContactRecord): void {
  const { rng, org, now } = ctx;
  const reachable: Channel[] = ['instagram'];
  if (contact.phone !== null) reachable.push('whatsapp', 'whatsapp', 'sms');
  if (contact.email !== null) reachable.push('email');
  const preferred = contact.preferredChannel;
  const channel = preferred !== null && chance(rng, 0.5) ? preferred : pick(rng, reachable);
  const status = weighted(rng, [
    ['open', 45],
    ['closed', 40],
    ['archived', 15],
  ] as const);
  const topic: Topic = pick(rng, TOPICS);
  const agent = pick(rng, AGENTS);
  const conv: ConversationRecord = {
    id: org.newId('conv_', org.conversations),
    seq: org.seq(),
    contactId: contact.id,
    channel,
    subject: channel === 'email' || chance(rng, 0.75) ? topic.subject : null,
    status,
    priority: weighted(rng, [
      ['low', 30],
      ['medium', 50],
      ['high', 20],
    ] as const),
    assignedTo: chance(rng, 0.7) ? agent : null,
    labels: sample(
      rng,
      LABELS,
      weighted(rng, [
        [0, 40],
        [1, 35],
        [2, 18],
        [3, 7],
      ] as const),
    ),
    tags: [],
    unreadCount: 0,
    createdAt: 0,
    updatedAt: 0,
    messages: [],
    searchText: '',
  };
  // SPEC §9: some WhatsApp threads have a customer message inside the last 24 h, most do not.
  const windowOpen = channel === 'whatsapp' && status !== 'archived' && chance(rng, 0.4);
  let endAge =
    status === 'archived'
      ? seconds(rng, 30 * DAY, 200 * DAY)
      : status === 'closed'
        ? seconds(rng, DAY, 90 * DAY)
        : seconds(rng, 5 * MINUTE, 7 * DAY);
  if (windowOpen) endAge = seconds(rng, 10 * MINUTE, 20 * HOUR);
  else if (channel === 'whatsapp') endAge = Math.max(endAge, 26 * HOUR);
  const count = intBetween(rng, 1, 4) + (chance(rng, 0.6) ? intBetween(rng, 0, 8) : 0);
  const gaps: number[] = [];
  for (let i = 1; i < count; i++) gaps.push(seconds(rng, 30 * SECOND, 3 * HOUR));
  const contactAge = now - contact.createdAt;
  endAge = Math.min(endAge, contactAge - HOUR);
  const span = gaps.reduce((a, b) => a + b, 0);
  const room = contactAge - endAge - MINUTE;
  const scale = span > room ? room / span : 1;

  const sides: Side[] = [];
  const startsWithTemplate = channel === 'whatsapp' && chance(rng, 0.35);
  sides.push(startsWithTemplate || chance(rng, 0.25) ? 'user' : 'contact');
  for (let i = 1; i < count; i++) {
    const previous = sides[i - 1] === 'system' ? 'user' : sides[i - 1];
    if (chance(rng, 0.05)) sides.push('system');
    else sides.push(chance(rng, 0.7) ? (previous === 'contact' ? 'user' : 'contact') : previous);
  }
  if (windowOpen) sides[count - 1] = 'contact';

  const order = `ORD-${intBetween(rng, 10000, 99999)}`;
  const times: number[] = new Array(count);
  times[count - 1] = now - endAge;
  for (let i = count - 2; i >= 0; i--)
    times[i] = times[i + 1] - Math.floor((gaps[i] * scale) / SECOND) * SECOND;
  conv.createdAt = times[0] - seconds(rng, 0, 30 * SECOND);
  org.rebuildSearchText(conv);
  org.addConversation(conv);

  let customerLine = 0;
  let agentLine = 0;
  const lastUserIndex = sides.lastIndexOf('user');
  for (let i = 0; i < count; i++) {
    const side = sides[i];
    const sentAt = times[i];
    let messageType: MessageType = 'text';
    let content: string;
    let media: MessageRecord['media'] = null;
    if (side === 'system') {
      content = pick(rng, SYSTEM_LINES).replace('{agent}', agent.name);
    } else if (i === 0 && startsWithTemplate) {
      const template = pick(
        rng,
        TEMPLATES.filter((t) => t.status === 'approved'),
      );
      messageType = 'template';
      content = renderTemplate(template, templateParameters(rng, template, contact, order));
    } else {
      const roll = rng();
      if (roll < 0.07) {
        messageType = 'image';
        const url = `https://cdn.huechat-sandbox.example/media/${randomToken(rng, 10)}.jpg`;
        media = { url, caption: pick(rng, IMAGE_CAPTIONS), filename: null };
        content = url;
      } else if (roll < 0.11) {
        messageType = 'document';
        const filename = pick(rng, DOCUMENT_NAMES);
        const url = `https://cdn.huechat-sandbox.example/files/${randomToken(rng, 10)}/${filename}`;
        media = { url, caption: null, filename };
        content = url;
      } else if (side === 'contact') {
        content = nextLine(topic.customer, customerLine++, order, agent);
      } else {
        content = nextLine(topic.agent, agentLine++, order, agent);
      }
    }
    const message = org.newMessage(conv, {
      messageType,
      content,
      status: 'sent',
      sentBy: side,
      sender:
        side === 'contact'
          ? { id: contact.id, name: fullName(contact.firstName, contact.lastName) }
          : side === 'user'
            ? { id: (conv.assignedTo ?? agent).id, name: (conv.assignedTo ?? agent).name }
            : null,
      sentAt,
      deliveredAt: null,
      readAt: null,
      error: null,
      media,
      autoProgress: false,
    });
    setSeedStatus(ctx, message, side, status === 'open' && i > lastUserIndex, times[i + 1]);
    if (message.status === 'delivered' && side === 'contact') conv.unreadCount++;
    if (side === 'user' && (contact.lastContacted ?? -Infinity) < sentAt) contact.lastContacted = sentAt;
    org.appendMessage(conv, message);
  }
  conv.updatedAt = Math.min(now, times[count - 1] + (status === 'open' ? 0 : seconds(rng, MINUTE, 2 * HOUR)));
}

/** Outbound: mostly read, some delivered, a few failed, the newest still "sent". Inbound: read unless unanswered. */
function setSeedStatus(
  ctx: SeedContext,
  m: MessageRecord,
  side: Side,
  unanswered: boolean,
  next?: number,
): void {
  const { rng, now } = ctx;
  const age = now - m.sentAt;
  if (side === 'contact') {
    m.deliveredAt = m.sentAt;
    m.status = unanswered ? 'delivered' : 'read';
    if (!unanswered) m.readAt = Math.min(now, next ?? m.sentAt + seconds(rng, MINUTE, HOUR));
    return;
  }
  if (side === 'user' && chance(rng, 0.06)) {
    m.status = 'failed';
    m.error = pick(rng, FAILURE_REASONS);
    return;
  }
  const roll = rng();
  if (age < 2 * MINUTE) return;
  m.deliveredAt = Math.min(now, m.sentAt + seconds(rng, SECOND, 20 * SECOND));
  const readChance = age < HOUR ? 0.4 : 0.7;
  if (roll < readChance) {
    m.status = 'read';
    m.readAt = Math.min(now, m.deliveredAt + seconds(rng, 30 * SECOND, 2 * HOUR));
  } else if (roll < 0.97 || age < HOUR) {
    m.status = 'delivered';
  } else {
    m.deliveredAt = null;
  }
}
