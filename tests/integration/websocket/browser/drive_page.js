// Drives page.html in Debian's headless Chromium with playwright-core (never a downloaded
// browser): waits for the page's MQTT.js to subscribe, then for a message that the test
// publishes from TCP, then has the page publish one. Results: `RESULT {json}` lines.
//
//   node drive_page.js --url PAGE_URL --pub-topic T --pub-payload P [--chromium PATH]
'use strict';

const path = require('path');
const { chromium } = require(path.join(__dirname, '..', '..', '..', '..', 'node_modules', 'playwright-core'));

const DEADLINE_MS = 30000;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function report(obj) {
  process.stdout.write('RESULT ' + JSON.stringify(obj) + '\n');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: arg('chromium', '/usr/bin/chromium'),
    headless: true,
    // As root in a closed network: no sandbox, and no background connections to Google.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
    await page.goto(arg('url'));
    try {
      await page.waitForFunction(() => window.dynamq && (window.dynamq.subscribed || window.dynamq.errors.length),
                                 null, { timeout: DEADLINE_MS });
    } catch (e) {
      throw new Error(`page never subscribed; console: ${JSON.stringify(consoleLines)}`);
    }
    const state = await page.evaluate(() => window.dynamq);
    if (!state.subscribed) {
      throw new Error(`page failed: ${JSON.stringify(state.errors)}`);
    }
    report({ step: 'subscribed', connack: state.connack, granted: state.granted,
             userAgent: await page.evaluate(() => navigator.userAgent) });

    // The test publishes from TCP now.
    await page.waitForFunction(() => window.dynamq.messages.length > 0, null, { timeout: DEADLINE_MS });
    report({ step: 'received', messages: await page.evaluate(() => window.dynamq.messages),
             dom: await page.locator('li.message').allTextContents() });

    const topic = arg('pub-topic');
    const payload = arg('pub-payload');
    await page.evaluate(([t, p]) => window.dynamqPublish(t, p, 1), [topic, payload]);
    report({ step: 'published', topic, payload });
    await page.evaluate(() => window.dynamqEnd());
    report({ step: 'ended', errors: await page.evaluate(() => window.dynamq.errors) });
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`drive_page failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
