import { z } from 'zod';
import type { ContactSource } from '../data/index.js';
import { firstSchema, queryTextSchema } from '../data/pages.js';
import { idSchema } from '../ids.js';
import type { Contact } from '../upstream/contacts.js';
import { builder } from './builder.js';
import type { GatewayContext } from './context.js';
import { cost } from './cost.js';
import { Channel, ContactStatus, ConversationStatus } from './enums.js';
import { NodeRef } from './node.js';
import { ContactConnectionRef, ContactRef, ConversationConnectionRef } from './refs.js';

// Synchronous when the object is already here (the common case): a promise per scalar field is
// measurable overhead on large lists.
const fromContact =
  <T>(pick: (c: Contact) => T) =>
  (source: ContactSource, _args: unknown, ctx: GatewayContext): T | Promise<T> =>
    'stub' in source ? ctx.data.contacts.load(source).then(pick) : pick(source);

const fullName = (c: Contact) => c.full_name ?? [c.first_name, c.last_name].filter(Boolean).join(' ');
const fullNameOf = fromContact(fullName);
const phoneOf = fromContact((c) => c.phone ?? null);

builder.objectType(ContactRef, {
  description: 'A person you message on one or more channels.',
  interfaces: [NodeRef],
  isTypeOf: (value) =>
    typeof value === 'object' && value !== null && 'id' in value && String(value.id).startsWith('cnt_'),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The HueChat contact id (cnt_…).' }),
    phone: t.field({
      type: 'PhoneNumber',
      nullable: true,
      description: 'Phone number in E.164 form.',
      resolve: (source, _a, ctx) => {
        if ('stub' in source && source.summary?.phone !== undefined) return source.summary.phone ?? null;
        return phoneOf(source, _a, ctx);
      },
    }),
    email: t.field({
      type: 'EmailAddress',
      nullable: true,
      description: 'Email address.',
      resolve: fromContact((c) => c.email ?? null),
    }),
    firstName: t.string({ description: 'First name.', resolve: fromContact((c) => c.first_name) }),
    lastName: t.string({
      nullable: true,
      description: 'Last name.',
      resolve: fromContact((c) => c.last_name ?? null),
    }),
    fullName: t.string({
      description: 'First and last name together.',
      resolve: (source, _a, ctx) => {
        if ('stub' in source && source.summary?.full_name) return source.summary.full_name;
        return fullNameOf(source, _a, ctx);
      },
    }),
    preferredChannel: t.field({
      type: Channel,
      nullable: true,
      description: 'The channel to reach this contact on, if set.',
      resolve: fromContact((c) => c.preferred_channel ?? null),
    }),
    status: t.field({
      type: ContactStatus,
      description: 'Whether the contact is active.',
      resolve: fromContact((c) => c.status),
    }),
    metadata: t.field({
      type: 'JSON',
      description: 'Free-form data about the contact (customer ids, tiers, tags…).',
      resolve: fromContact((c) => c.metadata),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the contact was created.',
      resolve: fromContact((c) => c.created_at),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the contact last changed.',
      resolve: fromContact((c) => c.updated_at),
    }),
    lastContactedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When you last sent this contact a message.',
      resolve: fromContact((c) => c.last_contacted ?? null),
    }),
    conversations: t.field({
      type: ConversationConnectionRef,
      description: "The contact's conversations, most recent activity first.",
      args: {
        status: t.arg({ type: ConversationStatus, description: 'Only conversations in this status.' }),
        channel: t.arg({ type: Channel, description: 'Only conversations on this channel.' }),
        first: t.arg.int({ defaultValue: 20, description: 'Page size, 1 to 100.', validate: firstSchema }),
        after: t.arg.string({ description: 'Cursor of the last item of the previous page.' }),
      },
      extensions: cost({ calls: 1, pageSizeArg: 'first' }),
      resolve: (source, args, ctx) => ctx.data.contacts.conversations(source.id, args) as never,
    }),
  }),
});

// HueChat answers a null metadata with a 400; say why before any call is made.
const notNull = (hint: string) =>
  z
    .unknown()
    .refine((v) => v !== null, `cannot be null; ${hint}`)
    .optional();

const nonEmpty = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const CreateContactInput = builder.inputType('CreateContactInput', {
  description: 'A new contact. firstName and at least one of phone or email are required.',
  fields: (t) => ({
    phone: t.field({ type: 'PhoneNumber', description: 'E.164 phone number; unique in your organisation.' }),
    email: t.field({ type: 'EmailAddress', description: 'Email address; unique in your organisation.' }),
    firstName: t.string({ required: true, description: 'First name.', validate: nonEmpty }),
    lastName: t.string({ description: 'Last name.' }),
    preferredChannel: t.field({ type: Channel, description: 'The channel to reach the contact on.' }),
    metadata: t.field({
      type: 'JSON',
      description: 'Free-form data to store with the contact.',
    }),
  }),
  // The plugin passes the schema's output on to the resolver: a plain z.object would strip every
  // field it does not name (firstName, metadata…), hence looseObject.
  validate: z
    .looseObject({
      phone: z.string().nullish(),
      email: z.string().nullish(),
      metadata: notNull('leave it out for empty metadata'),
    })
    .refine((v) => Boolean(v.phone || v.email), { message: 'phone or email is required', path: ['phone'] }),
});

const UpdateContactInput = builder.inputType('UpdateContactInput', {
  description:
    'Changes to a contact. Only the fields given are sent. metadata is merged into the stored metadata; a key set to null is removed.',
  fields: (t) => ({
    phone: t.field({ type: 'PhoneNumber', description: 'New phone number (null removes it).' }),
    email: t.field({ type: 'EmailAddress', description: 'New email address (null removes it).' }),
    firstName: t.string({
      description: 'New first name (cannot be null).',
      validate: nonEmpty.nullish().refine((v) => v !== null, 'cannot be null'),
    }),
    lastName: t.string({ description: 'New last name.' }),
    preferredChannel: t.field({ type: Channel, description: 'New preferred channel (null clears it).' }),
    metadata: t.field({
      type: 'JSON',
      description: 'Keys to merge into the metadata; null values delete keys.',
    }),
  }),
  // On the object: the plugin does not run a field's own check on an explicit null.
  validate: z.looseObject({ metadata: notNull('set a key to null inside metadata to remove that key') }),
});

const DeleteContactPayload = builder
  .objectRef<{ deletedContactId: string }>('DeleteContactPayload')
  .implement({
    description: 'The result of deleteContact.',
    fields: (t) => ({
      deletedContactId: t.exposeID('deletedContactId', { description: 'The id of the deleted contact.' }),
    }),
  });

builder.queryFields((t) => ({
  contact: t.field({
    type: ContactRef,
    nullable: true,
    description: 'One contact by id, phone or email (exactly one). null when it does not exist.',
    args: {
      id: t.arg.id({ description: 'Contact id (cnt_…).' }),
      phone: t.arg({ type: 'PhoneNumber', description: 'E.164 phone number.' }),
      email: t.arg({ type: 'EmailAddress', description: 'Email address.' }),
    },
    validate: z
      .object({ id: z.unknown().optional(), phone: z.unknown().optional(), email: z.unknown().optional() })
      .refine((a) => [a.id, a.phone, a.email].filter((v) => v !== undefined && v !== null).length === 1, {
        message: 'give exactly one of id, phone or email',
      }),
    extensions: cost({ calls: 1, freeForIdOnly: true }),
    resolve: (_root, args, ctx, info) =>
      args.id != null
        ? ctx.data.contacts.byId(String(args.id), info)
        : ctx.data.contacts.byPhoneOrEmail((args.phone ?? args.email) as string),
  }),
  contacts: t.field({
    type: ContactConnectionRef,
    description: 'Contacts of your organisation, newest first.',
    args: {
      search: t.arg.string({
        description: 'Case-insensitive match on name, email or phone; at most 256 characters.',
        validate: queryTextSchema,
      }),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1 to 100.', validate: firstSchema }),
      after: t.arg.string({ description: 'Cursor of the last item of the previous page.' }),
    },
    extensions: cost({ calls: 1, pageSizeArg: 'first' }),
    resolve: (_root, args, ctx) => ctx.data.contacts.list(args) as never,
  }),
}));

const contactIdArg = {
  required: true,
  description: 'Contact id (cnt_…).',
  validate: idSchema('contact'),
} as const;

builder.mutationFields((t) => ({
  createContact: t.field({
    type: ContactRef,
    description:
      'Creates a contact. A phone or email already in use gives DUPLICATE_CONTACT with existingContactId.',
    args: { input: t.arg({ type: CreateContactInput, required: true, description: 'The new contact.' }) },
    extensions: cost({ calls: 1 }),
    resolve: (_root, { input }, ctx) => ctx.data.contacts.create(input),
  }),
  updateContact: t.field({
    type: ContactRef,
    description: 'Changes a contact; only the given fields are sent, metadata is merged.',
    args: {
      id: t.arg.id(contactIdArg),
      input: t.arg({ type: UpdateContactInput, required: true, description: 'The fields to change.' }),
    },
    extensions: cost({ calls: 1 }),
    resolve: (_root, { id, input }, ctx) => ctx.data.contacts.update(String(id), input),
  }),
  deleteContact: t.field({
    type: DeleteContactPayload,
    description: 'Deletes a contact with all of its conversations and messages.',
    args: { id: t.arg.id(contactIdArg) },
    extensions: cost({ calls: 1 }),
    resolve: (_root, { id }, ctx) => ctx.data.contacts.delete(String(id)),
  }),
}));
