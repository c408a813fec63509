// The load client of `make bench` (bench/capacity.py runs it on its own core).
//
// OCPP 1.6 chargers over WebSocket: each connects, boots, reports its status,
// starts a transaction, then sends MeterValues with four sampled values
// (energy, power, current L1, voltage L1-N), one call outstanding at a time as
// OCPP-J requires. Against the echo server a call's own frame comes back as
// its answer, so the same client measures both.
//
// Usage: node client.mjs '<json options>'; prints one JSON line of results.
// Options: url (or urls, to spread the chargers over several servers),
// chargers, prefix, idTag, mode ("closed", "open", "idle", "storm"), seconds
// (measured), warmup (seconds), rate (open loop: calls/s in all), hold (idle:
// seconds connected), concurrency (handshakes at once).

import { WebSocket } from "ws";

const options = {
  url: "ws://127.0.0.1:9000/ocpp",
  chargers: 100,
  prefix: "BENCH",
  idTag: "BENCH-TAG",
  mode: "closed",
  seconds: 10,
  warmup: 2,
  rate: 100,
  hold: 5,
  concurrency: 500,
  ...JSON.parse(process.argv[2] || "{}"),
};

const now = () => performance.now();
const iso = () => new Date().toISOString();
let nextId = 0;

const urls = options.urls || [options.url];

class Charger {
  constructor(id, url) {
    this.id = id;
    this.url = url;
    this.pending = null;
    this.wh = 0;
    this.transactionId = 1;
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.url}/${encodeURIComponent(this.id)}`, "ocpp1.6", {
        perMessageDeflate: false,
        handshakeTimeout: 60_000,
      });
      socket.on("open", () => resolve());
      socket.on("error", (error) => reject(error));
      socket.on("close", () => {
        if (this.pending) this.pending.reject(new Error("closed"));
      });
      socket.on("message", (data) => this.answer(data));
      this.socket = socket;
    });
  }

  answer(data) {
    const message = JSON.parse(data);
    const pending = this.pending;
    if (!pending || message[1] !== pending.id) return;
    this.pending = null;
    if (message[0] === 4) pending.reject(new Error(`${message[2]}: ${message[3]}`));
    else pending.resolve(message[0] === 3 ? message[2] : {});
  }

  call(action, payload) {
    const id = String(++nextId);
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.socket.send(JSON.stringify([2, id, action, payload]));
    });
  }

  async begin() {
    await this.call("BootNotification", { chargePointVendor: "Bench", chargePointModel: "Load" });
    await this.call("StatusNotification", {
      connectorId: 1,
      errorCode: "NoError",
      status: "Preparing",
      timestamp: iso(),
    });
    const started = await this.call("StartTransaction", {
      connectorId: 1,
      idTag: options.idTag,
      meterStart: 0,
      timestamp: iso(),
    });
    this.transactionId = started.transactionId ?? 1;
  }

  meterValues() {
    this.wh += 5;
    return this.call("MeterValues", {
      connectorId: 1,
      transactionId: this.transactionId,
      meterValue: [
        {
          timestamp: iso(),
          sampledValue: [
            { value: String(this.wh), measurand: "Energy.Active.Import.Register", unit: "Wh" },
            { value: "7400", measurand: "Power.Active.Import", unit: "W" },
            { value: "32", measurand: "Current.Import", unit: "A", phase: "L1" },
            { value: "230", measurand: "Voltage", unit: "V", phase: "L1-N" },
          ],
        },
      ],
    });
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function inBatches(items, size, work) {
  let index = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (index < items.length) await work(items[index++]);
  });
  await Promise.all(workers);
}

async function main() {
  const chargers = Array.from(
    { length: options.chargers },
    (_, n) =>
      new Charger(`${options.prefix}-${String(n + 1).padStart(5, "0")}`, urls[n % urls.length]),
  );
  const errors = [];
  const failed = (error) => errors.length < 1000 && errors.push(String(error.message || error));
  const began = now();
  const ready = [];
  await inBatches(chargers, options.concurrency, async (charger) => {
    try {
      await charger.open();
      await charger.begin();
      ready.push(charger);
    } catch (error) {
      failed(error);
    }
  });
  const setupSeconds = (now() - began) / 1000;
  const result = { mode: options.mode, chargers: options.chargers, ready: ready.length, setupSeconds };

  if (options.mode === "idle") {
    process.stdout.write(JSON.stringify({ ...result, holding: true }) + "\n");
    await new Promise((resolve) => setTimeout(resolve, options.hold * 1000));
  } else if (options.mode !== "storm") {
    const latencies = [];
    let calls = 0;
    const start = now() + options.warmup * 1000;
    const end = start + options.seconds * 1000;
    const interval = (ready.length / options.rate) * 1000;
    await Promise.all(
      ready.map(async (charger, n) => {
        // Open loop: each charger's calls are due at fixed times; latency counts from
        // when a call was due, so a slow answer cannot hide the calls it delayed.
        let due = now() + (interval * n) / Math.max(ready.length, 1);
        while (now() < end) {
          if (options.mode === "open") {
            const wait = due - now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          const sent = options.mode === "open" ? due : now();
          try {
            await charger.meterValues();
          } catch (error) {
            failed(error);
            return;
          }
          const answered = now();
          // Throughput: every answer within the window. Latency: the calls
          // sent and answered within it.
          if (answered >= start && answered <= end) calls += 1;
          if (sent >= start && answered <= end) latencies.push(answered - sent);
          due += interval;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    Object.assign(result, {
      calls,
      callsPerSecond: Math.round(calls / options.seconds),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    });
  }
  for (const charger of chargers) charger.socket?.terminate();
  result.errors = errors.length;
  result.errorSample = errors.slice(0, 3);
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(String(error.stack || error) + "\n");
    process.exit(1);
  },
);
