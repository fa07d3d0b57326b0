// Writes clients/typescript/src/openapi-types.ts from openapi/openapi.json with openapi-typescript
// (`npm run openapi` runs it after writing the document). test/redis/client-typescript.test.ts fails
// when the committed file is not what this writes, so the client's types never drift from the API.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const CLIENT_TYPES_PATH = fileURLToPath(new URL('../clients/typescript/src/openapi-types.ts', import.meta.url));
const OPENAPI_PATH = new URL('../openapi/openapi.json', import.meta.url);

const HEADER = `// Generated from openapi/openapi.json by openapi-typescript (scripts/write-client-types.ts,
// run by \`npm run openapi\`): do not edit. test/redis/client-typescript.test.ts fails when it is stale.
`;

export async function clientTypes(): Promise<string> {
  const ast = await openapiTS(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Parameters<typeof openapiTS>[0]);
  return `${HEADER}\n${astToString(ast)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CLIENT_TYPES_PATH, await clientTypes());
  console.log(`wrote ${CLIENT_TYPES_PATH}`);
}
