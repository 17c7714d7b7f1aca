// MQTT.js (npm `mqtt`, pinned in package.json) against dynamq over ws:// or wss://, run with
// `node` by the pytest tests beside this file. Every result is printed as one line
// `RESULT {json}` for the test to assert on; every wait has a deadline.
//
//   node mqttjs_client.js scenario --url U --version 4|5 --prefix P [--ca FILE]
//   node mqttjs_client.js sub --url U --topic T --count N [--qos Q] [--version V] [--ca FILE]
//   node mqttjs_client.js pub --url U --topic T --payload S [--qos Q] [--retain] [--ca FILE]
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const mqtt = require(path.join(__dirname, '..', '..', '..', 'node_modules', 'mqtt'));

const DEADLINE_MS = 20000;

function parseArgs(argv) {
  const args = { mode: argv[0] };
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) {
      args[key] = true;
    } else {
      args[key] = next;
      i++;
    }
  }
  return args;
}

function report(obj) {
  process.stdout.write('RESULT ' + JSON.stringify(obj) + '\n');
}

function withDeadline(promise, what, ms = DEADLINE_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(args, clientId, extra = {}) {
  const options = {
    protocolVersion: Number(args.version || 4),
    clientId,
    clean: true,
    reconnectPeriod: 0, // a failure must show, not be retried away
    connectTimeout: 10000,
    ...extra,
  };
  if (args.ca) {
    options.ca = fs.readFileSync(args.ca);
    options.rejectUnauthorized = true;
  }
  const client = mqtt.connect(args.url, options);
  return withDeadline(
    new Promise((resolve, reject) => {
      client.once('connect', (connack) => resolve({ client, connack }));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    }),
    `connect ${clientId}`,
  );
}

// Resolves with the first `count` messages matching `filter(topic)`.
function collect(client, count, filter = () => true) {
  return new Promise((resolve) => {
    const got = [];
    const onMessage = (topic, payload, packet) => {
      if (!filter(topic)) return;
      got.push({ topic, payload, qos: packet.qos, retain: packet.retain });
      if (got.length === count) {
        client.removeListener('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function summary(m) {
  return { topic: m.topic, payload: m.payload.toString('utf8'), qos: m.qos, retain: m.retain };
}

function ended(client) {
  return withDeadline(
    new Promise((resolve) => {
      client.end(false, {}, () => resolve());
    }),
    'clean end',
  );
}

async function scenario(args) {
  const prefix = args.prefix;
  const v = Number(args.version);
  const { client: a, connack } = await connect(args, `${prefix}-a`);
  const closed = new Promise((resolve) => a.once('close', resolve));
  report({
    step: 'connack',
    sessionPresent: connack.sessionPresent,
    code: v === 5 ? connack.reasonCode : connack.returnCode,
  });

  const granted = await withDeadline(
    a.subscribeAsync({ [`${prefix}/q/+`]: { qos: 2 }, [`${prefix}/big`]: { qos: 1 } }),
    'subscribe',
  );
  report({ step: 'suback', granted: granted.map((g) => ({ topic: g.topic, qos: g.qos })) });

  // QoS 0, 1 and 2 to ourselves.
  const three = collect(a, 3, (t) => t.startsWith(`${prefix}/q/`));
  for (const qos of [0, 1, 2]) {
    await withDeadline(a.publishAsync(`${prefix}/q/${qos}`, `${prefix}-qos${qos}`, { qos }), `publish qos ${qos}`);
  }
  report({ step: 'qos', received: (await withDeadline(three, 'three messages')).map(summary) });

  // A large message: a WebSocket message of many frames and TCP segments each way.
  const big = crypto.randomBytes(200 * 1024);
  const bigBack = collect(a, 1, (t) => t === `${prefix}/big`);
  await withDeadline(a.publishAsync(`${prefix}/big`, big, { qos: 1 }), 'publish 200 KB');
  const [back] = await withDeadline(bigBack, 'the 200 KB message back');
  report({ step: 'big', sent: big.length, sentSha: sha256(big), received: back.payload.length, receivedSha: sha256(back.payload), qos: back.qos });

  // Retained: stored, then delivered with the retain flag to a later subscriber.
  await withDeadline(a.publishAsync(`${prefix}/r`, `${prefix}-retained`, { qos: 1, retain: true }), 'retained publish');
  const { client: b } = await connect(args, `${prefix}-b`);
  const retained = collect(b, 1, (t) => t === `${prefix}/r`);
  await withDeadline(b.subscribeAsync(`${prefix}/r`, { qos: 1 }), 'subscribe retained');
  const [r] = await withDeadline(retained, 'the retained message');
  report({ step: 'retained', message: summary(r) });
  await withDeadline(a.publishAsync(`${prefix}/r`, '', { qos: 1, retain: true }), 'clear retained');

  // Clean disconnect: DISCONNECT, then the broker closes and MQTT.js sees 'close'.
  await ended(b);
  await ended(a);
  await withDeadline(closed, "'close' after end");
  report({ step: 'end', connected: a.connected, disconnected: a.disconnected });
}

async function sub(args) {
  const { client } = await connect(args, `sub-${crypto.randomBytes(4).toString('hex')}`);
  const messages = collect(client, Number(args.count || 1), (t) => mqtt_match(args.topic, t));
  const granted = await withDeadline(client.subscribeAsync(args.topic, { qos: Number(args.qos || 0) }), 'subscribe');
  report({ step: 'subscribed', granted: granted.map((g) => g.qos) });
  for (const m of await withDeadline(messages, `${args.count || 1} message(s) on ${args.topic}`)) {
    report({ step: 'message', ...summary(m) });
  }
  await ended(client);
}

// Topic filter match, enough for the filters the tests use (`+` and a final `#`).
function mqtt_match(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

async function pub(args) {
  const { client } = await connect(args, `pub-${crypto.randomBytes(4).toString('hex')}`);
  await withDeadline(
    client.publishAsync(args.topic, args.payload, { qos: Number(args.qos || 0), retain: Boolean(args.retain) }),
    'publish',
  );
  report({ step: 'published' });
  await ended(client);
}

const args = parseArgs(process.argv.slice(2));
const modes = { scenario, sub, pub };
if (!modes[args.mode]) {
  console.error(`unknown mode ${args.mode}; use scenario, sub or pub`);
  process.exit(2);
}
modes[args.mode](args).then(
  () => process.exit(0),
  (err) => {
    console.error(`mqttjs_client ${args.mode} failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
