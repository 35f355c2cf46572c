// /docs in a real browser: Debian's chromium driven by playwright-core. Skipped where chromium is
// not installed (CI images lack it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const executablePath = chromiumPath;
const skip = executablePath ? false : 'chromium is not installed (apt-get install chromium)';
if (skip) console.log(`# skipping the browser tests: ${skip}`);

test('/docs lists the Services operations and runs list services from "Try it out"', { skip, timeout: 60_000 }, async (t) => {
  const s = await startServer();
  t.after(() => s.stop());
  const browser = await chromium.launch({ executablePath, args: chromiumArgs });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  const res = await page.goto(`${s.url}/docs`);
  assert.equal(res?.status(), 200);
  const op = page.locator('#operations-core_v1-listNamespacedService');
  await op.waitFor({ timeout: 20_000 });
  assert.match(await op.locator('.opblock-summary-path').innerText(), /\/api\/v1\/namespaces\/\{namespace\}\/services/);
  assert.equal(await op.locator('.opblock-summary-method').innerText(), 'GET');
  assert.ok((await page.locator('#operations-core_v1-createNamespacedService').count()) === 1);

  await op.locator('.opblock-summary').first().click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.locator('tr[data-param-name="namespace"] input').fill('default');
  await op.getByRole('button', { name: 'Execute' }).click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 20_000 });
  assert.equal((await status.innerText()).trim(), '200');
  const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  assert.match(body, /"kind": ?"ServiceList"/);
  assert.deepEqual(errors, []);
});
