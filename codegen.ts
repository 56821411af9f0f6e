import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the operations the tests and the README use: a breaking schema change
// fails `npm run typecheck` instead of a test at run time.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          DateTime: 'string',
          JSON: 'Record<string, unknown>',
          PhoneNumber: 'string',
          EmailAddress: 'string',
        },
      },
    },
  },
};

export default config;
