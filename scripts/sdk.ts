// Generates TypeScript clients from the committed OpenAPI v3 document (openapi/v3-api-v1.json),
// offline, with two generators:
//   <out>/openapi-fetch/schema.d.ts  types from openapi-typescript, for use with openapi-fetch
//   <out>/hey-api/                   a fetch client from @hey-api/openapi-ts
// `npm run sdk` writes them to sdk/ (gitignored: generated output is never committed, so it
// cannot go stale); test/sdk/sdk.test.ts generates them into a temporary folder and compiles and
// runs a program against each.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

export const documentPath = fileURLToPath(new URL('../openapi/v3-api-v1.json', import.meta.url));

export async function generateSdks(out: string): Promise<{ openapiFetch: string; heyApi: string }> {
  const doc = JSON.parse(readFileSync(documentPath, 'utf8'));

  const openapiFetch = join(out, 'openapi-fetch');
  mkdirSync(openapiFetch, { recursive: true });
  const ast = await openapiTS(doc, { silent: true });
  writeFileSync(join(openapiFetch, 'schema.d.ts'), COMMENT_HEADER + astToString(ast));

  // The document object, not its path: @hey-api reads a relative path of the form "a/b.json" as
  // a Hey API registry shorthand (organization/project) and would go to the network.
  const heyApi = join(out, 'hey-api');
  await createClient({
    input: doc,
    output: { path: heyApi },
    plugins: ['@hey-api/client-fetch'],
    logs: { level: 'silent', file: false },
  });
  return { openapiFetch, heyApi };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? 'sdk');
  const { openapiFetch, heyApi } = await generateSdks(out);
  console.log(`openapi-typescript → ${join(openapiFetch, 'schema.d.ts')}\n@hey-api/openapi-ts → ${heyApi}/`);
}
