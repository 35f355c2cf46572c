// Debian's chromium for the browser tests (playwright-core drives it; `npx playwright install`
// cannot run here), found on PATH as kubectl is, with the flags every test launches it with.
import { existsSync } from 'node:fs';
import { onPath } from './kubectl.js';

export const chromiumPath: string | undefined =
  onPath('chromium') ?? onPath('chromium-browser') ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-background-networking'];
