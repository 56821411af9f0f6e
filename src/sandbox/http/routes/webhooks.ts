import { notFound } from '../../domain/errors.js';
import { randomToken } from '../../domain/random.js';
import type { WebhookRecord } from '../../domain/records.js';
import { webhookJson } from '../../domain/serialize.js';
import { createWebhookBody, parseBody, updateWebhookBody } from '../../domain/validation.js';
import type { Handler, RequestContext } from '../handler.js';
import { paginate, parsePage } from '../pagination.js';

function requireWebhook(ctx: RequestContext): WebhookRecord {
  const id = ctx.params[0];
  const hook = ctx.org.webhooks.get(id);
  if (hook === undefined) throw notFound('webhook', id);
  return hook;
}

export const createWebhook: Handler = ({ rt, org, body: raw }) => {
  const body = parseBody(createWebhookBody, raw);
  const now = rt.now();
  const hook: WebhookRecord = {
    id: org.newId('wh_', org.webhooks),
    seq: org.seq(),
    url: body.url,
    events: [...new Set(body.events)],
    active: body.active ?? true,
    retryPolicy: body.retry_policy ?? 'exponential',
    signingSecret: `whsec_${randomToken(org.rng, 32, '0123456789abcdef')}`,
    createdAt: now,
    updatedAt: now,
  };
  org.webhooks.set(hook.id, hook);
  return { status: 201, body: webhookJson(hook) };
};

export const listWebhooks: Handler = ({ org, query }) => {
  const page = parsePage(query);
  return { status: 200, body: paginate(org.webhooksOldestFirst(), page, webhookJson) };
};

export const getWebhook: Handler = (ctx) => ({ status: 200, body: webhookJson(requireWebhook(ctx)) });

export const updateWebhook: Handler = (ctx) => {
  const hook = requireWebhook(ctx);
  const body = parseBody(updateWebhookBody, ctx.body);
  if (body.url !== undefined) hook.url = body.url;
  if (body.events !== undefined) hook.events = [...new Set(body.events)];
  if (body.active !== undefined) hook.active = body.active;
  if (body.retry_policy !== undefined) hook.retryPolicy = body.retry_policy;
  hook.updatedAt = ctx.rt.now();
  return { status: 200, body: webhookJson(hook) };
};

export const deleteWebhook: Handler = (ctx) => {
  const hook = requireWebhook(ctx);
  ctx.org.webhooks.delete(hook.id);
  return { status: 204 };
};
