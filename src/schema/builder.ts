import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import type { GatewayContext } from '../context.js';
import { badUserInput } from '../errors.js';

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
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ValidationPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: {
    // Ids are HueChat's own (cnt_…, conv_…); node/nodes are defined in node.ts, not by the plugin.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
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
