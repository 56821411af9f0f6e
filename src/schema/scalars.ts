import { Kind, type ValueNode } from 'graphql';
import { badUserInput } from '../errors.js';
import { builder } from './builder.js';

export const E164 = /^\+[1-9]\d{1,14}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. The upstream is the final judge.
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function stringScalar(name: string, test: (v: string) => boolean, expected: string) {
  const parse = (value: unknown) => {
    // Lone surrogates cannot be put in a URL; reject them with the format error.
    if (typeof value !== 'string' || !value.isWellFormed() || !test(value)) {
      throw badUserInput(`${name} must be ${expected}`, {
        reason: 'invalid_format',
        expected,
        received: value,
      });
    }
    return value;
  };
  return {
    serialize: (value: unknown) => {
      if (typeof value !== 'string') throw new TypeError(`${name} cannot represent ${typeof value}`);
      return value;
    },
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => parse(ast.kind === Kind.STRING ? ast.value : undefined),
  };
}

builder.scalarType('PhoneNumber', {
  description: 'A phone number in E.164 form: a +, the country code and the number, e.g. +14155550123.',
  ...stringScalar('PhoneNumber', (v) => E164.test(v), 'an E.164 phone number such as +14155550123'),
});

builder.scalarType('EmailAddress', {
  description: 'An email address, e.g. jane@example.com.',
  ...stringScalar(
    'EmailAddress',
    (v) => EMAIL.test(v) && v.length <= 254,
    'an email address such as jane@example.com',
  ),
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC, e.g. 2026-01-25T10:30:00Z.',
  ...stringScalar(
    'DateTime',
    (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
    'an ISO-8601 date-time',
  ),
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      // `{ tier: GOLD }` would otherwise lose the key silently: JSON has no bare words.
      throw badUserInput(`JSON literals cannot hold the bare word ${ast.value}; quote it as a string`, {
        reason: 'invalid_json_literal',
        received: ast.value,
      });
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

builder.scalarType('JSON', {
  description:
    'A free-form JSON object (contact metadata, template parameters). As an input it must be an object; its values may be anything JSON allows.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (!isPlainObject(value))
      throw badUserInput('JSON input must be an object', { reason: 'expected_object' });
    return value;
  },
  parseLiteral: (ast, variables) => {
    const value = literalToJson(ast, variables);
    if (!isPlainObject(value))
      throw badUserInput('JSON input must be an object', { reason: 'expected_object' });
    return value;
  },
});
