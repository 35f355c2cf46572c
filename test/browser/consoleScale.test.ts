// The console with many Services: first paint with 1,000 and a virtualised list with 10,000
// (only the rows in view are in the DOM, and scrolling to the end finds the last one). The
// Services are loaded as fixtures (--load) so the test spends its time in the browser.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../support/chromium.js';
import { consoleDir } from '../../src/api/console.js';
import { startServer } from '../support/server.js';

const executablePath = chromiumPath;
const skip = !executablePath ? 'chromium is not installed (apt-get install chromium)' : !consoleDir() ? 'the console is not built (npm run build)' : false;
if (skip) console.log(`# skipping the console scale tests: ${skip}`);

function fixtures(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'svcplane-console-scale-'));
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${String(i).padStart(5, '0')}`, namespace: 'default' },
    spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', selector: { app: `a${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
  }));
  writeFileSync(join(dir, 'services.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return dir;
}

for (const count of [1_000, 10_000]) {
  test(`${count.toLocaleString('en')} Services: first rows painted, only the rows in view in the DOM, the last one reachable`, {
    skip,
    timeout: 180_000,
  }, async (t) => {
    const s = await startServer({ load: fixtures(count) });
    t.after(() => s.stop());
    const browser = await chromium.launch({ executablePath, args: chromiumArgs });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${s.url}/ui/#/services`);
    await page.locator('.count', { hasText: `${count + 1} Services` }).waitFor({ timeout: 30_000 });
    await page.locator('.spacer .row').first().waitFor();
    // From navigation start to the first rows drawn from the list (a User Timing mark the console sets).
    const firstRows = await page.evaluate(() => performance.getEntriesByName('svcplane:first-rows')[0]?.startTime ?? Number.POSITIVE_INFINITY);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    t.diagnostic(`${count} Services: first contentful paint ${fcp.toFixed(0)} ms, rows painted by ${firstRows.toFixed(0)} ms`);
    const inDom = await page.locator('.spacer .row').count();
    assert.ok(inDom < 60, `${inDom} rows in the DOM`);
    // Timings are reported, not asserted: speed belongs to the benchmarks, and a loaded machine is not a slow console.

    await page.getByLabel('Services, scrollable').focus();
    await page.keyboard.press('End');
    await page.locator(`.spacer .row[data-name="svc-${String(count - 1).padStart(5, '0')}"]`).waitFor();
    const start = Date.now();
    const wanted = `svc-${String(count - 7).padStart(5, '0')}`;
    await page.getByLabel('Filter').fill(wanted);
    await page.locator('.count', { hasText: /^1 of / }).waitFor();
    await page.locator(`.spacer .row[data-name="${wanted}"]`).waitFor();
    t.diagnostic(`filtering ${count} Services took ${Date.now() - start} ms`);
    assert.equal(await page.locator('.spacer .row').count(), 1);
  });
}
