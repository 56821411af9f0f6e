import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { badUserInput } from '../errors.js';
import type { GatewayContext } from './context.js';

export type Scalars = {
  DateTime: { Input: string; Output: string };
  JSON: { Input: Record<string, unknown>; Output: unknown };
  PhoneNumber: { Input: string; Output: string };
  EmailAddress: { Input: string; Output: string };
};

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: Scalars;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
  DefaultEdgesNullability: { list: false; items: true };
  DefaultNodeNullability: false;
}>({
  plugins: [ValidationPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: {
    // Ids are HueChat's own (cnt_…, conv_…); node/nodes are defined in node.ts, not by the plugin.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: 'String',
    // Items stay nullable (as the Relay spec has them): one item whose nested field fails becomes
    // null in the list instead of wiping out the whole page.
    edgesFieldOptions: {
      nullable: { list: false, items: true },
      description: 'The items of this page with their cursors.',
    },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    cursorFieldOptions: {
      description: 'Opaque position of this item; pass it as `after` to continue after it.',
    },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items come before this page.' },
    startCursorFieldOptions: {
      description: 'Cursor of the first item of this page; null when the page is empty.',
    },
    endCursorFieldOptions: {
      description: 'Cursor of the last item of this page; pass it as `after` for the next page.',
    },
    nodesOnConnection: { description: 'The nodes of the edges, for clients that do not need cursors.' },
    pageInfoTypeOptions: { description: 'Where a page sits in the whole list (Relay cursor connections).' },
  },
  validation: {
    // One error per field, with the offending argument path, before any upstream call.
    validationError: (failure) => {
      const issue = failure.issues[0];
      const field =
        issue?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.') ?? '';
      return badUserInput(issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'Invalid arguments', {
        field,
        reason: issue?.message ?? 'invalid',
      });
    },
  },
});
