import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Types for every operation in src/ from the committed SDL (../schema.graphql).
 * TIDINGS_CODEGEN_OUT lets tests/test_web_codegen.py generate elsewhere and compare.
 */
const out = process.env.TIDINGS_CODEGEN_OUT ?? "./src/gql/";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string" },
        enumsAsTypes: true,
        nonOptionalTypename: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
