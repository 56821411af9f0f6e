import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './node.js';
import './contact.js';
import './message.js';
import './conversation.js';
import './node-queries.js';

builder.queryType({ description: 'Read your HueChat contacts, conversations and messages.' });
builder.mutationType({ description: 'Change contacts and conversations, and send messages.' });

/** The public schema (no federation fields). */
export const schema = builder.toSchema({ sortSchema: true });
