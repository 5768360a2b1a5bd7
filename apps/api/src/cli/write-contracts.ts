import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '#api/project-root';
import { contractFiles } from '#contracts';

/** `npm run contracts`: writes published/ from the event catalogue (a test checks they match). */
const root = projectRoot();
for (const [path, content] of Object.entries(contractFiles())) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
