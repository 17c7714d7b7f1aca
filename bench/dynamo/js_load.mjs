// js_load.mjs: the same write load as dynamo_load.cpp, through the AWS SDK for JavaScript v3
// (@aws-sdk/client-dynamodb, pinned in package.json), for bench/dynamo/run.sh.
//
//   node bench/dynamo/js_load.mjs --endpoint URL --table T --op put|batch --items N
//        --pool-size P --inflight C
//
// pool-size is the keep-alive agent's maxSockets; C calls are in flight. Prints one JSON line
// like dynamo_load: {"client": "js-sdk", ..., "cpu_s", "cpu_us_per_request"} (process.cpuUsage,
// user + system, around the load only).
import http from "node:http";
import { DynamoDBClient, PutItemCommand, BatchWriteItemCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const endpoint = args.endpoint;
const table = args.table ?? "bench_msg";
const op = args.op ?? "put";
const items = Number(args.items ?? 2000);
const poolSize = Number(args["pool-size"] ?? 4);
const inflight = Number(args.inflight ?? 4);

const client = new DynamoDBClient({
  endpoint,
  region: "us-west-2",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  maxAttempts: 5,
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: poolSize }) }),
});

const run = String(Date.now()) + String(process.hrtime.bigint());
const item = (i) => ({
  msgid: { S: `${run}-${i}` },
  topic: { S: `bench/topic/${i % 100}` },
  sender: { S: "bench-client" },
  qos: { N: "1" },
  retain: { N: "0" },
  payload: { S: "x".repeat(100) },
  arrived: { N: String(1562308553 + i) },
});

let requests = 0;
let failures = 0;
async function putOne(i) {
  requests++;
  await client.send(new PutItemCommand({ TableName: table, Item: item(i) }));
}
async function batchOne(u) {
  let writes = [];
  for (let i = u * 25; i < Math.min(items, (u + 1) * 25); i++) writes.push({ PutRequest: { Item: item(i) } });
  for (let round = 0; writes.length > 0; round++) {
    if (round >= 8) throw new Error("unprocessed items left");
    requests++;
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: writes } }));
    writes = out.UnprocessedItems?.[table] ?? [];
  }
}

// Warm up: open the agent's sockets before the clock starts.
await Promise.all(Array.from({ length: poolSize }, () => client.send(new ListTablesCommand({}))));

const units = op === "put" ? items : Math.ceil(items / 25);
let next = 0;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: inflight }, async () => {
    while (next < units) {
      const u = next++;
      try {
        await (op === "put" ? putOne(u) : batchOne(u));
      } catch {
        failures++;
      }
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({
  client: "js-sdk", op, items, seconds: +seconds.toFixed(3), items_per_s: Math.round(items / seconds),
  requests, cpu_s: +cpuS.toFixed(3), cpu_us_per_request: +((cpuS * 1e6) / requests).toFixed(1), failures,
}));
client.destroy();
process.exit(failures === 0 ? 0 : 1);
