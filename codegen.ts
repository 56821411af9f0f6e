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
      // persistedDocuments: also writes test/gql/persisted-documents.json, the trusted documents
      // manifest (CONTRACT §9) in the shape PERSISTED_DOCUMENTS reads: sha256 hex id -> document.
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256', mode: 'embedHashInDocument' },
      },
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
