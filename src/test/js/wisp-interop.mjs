// Drives the reference JavaScript Wisp client (@mercuryworkshop/wisp-js, on Node's `ws`) against a Wisp server on
// loopback and prints one JSON line per result on stdout. Run by WispJsJettyIT; can also be run by hand:
//
//   node wisp-interop.mjs --url ws://127.0.0.1:8080/wisp/ --mode v1 \
//        --tcp-echo-port 7001 --tcp-eof-port 7002 --tcp-eof-bytes 65536 --tcp-eof-sha256 <hex> --udp-echo-port 7003
//
// --mode v1: the client is forced to v1 ({wisp_version: 1}: no Sec-WebSocket-Protocol, no INFO).
// --mode v2: the client as shipped (0.4.1 defaults to v2: offers "wisp-v2", answers an INFO, or falls back to v1 when
//            the server's first packet is CONTINUE).
//
// On one Wisp connection, at the same time:
//   tcp-small  a TCP stream to the echo target, a few short distinct messages, echoed byte for byte;
//   tcp-large  a TCP stream to the echo target, 1 MiB of random bytes in 4 KiB DATA packets: more packets than the
//              initial credit, so the client must queue locally and wait for the server's CONTINUE (counted);
//   tcp-eof    a TCP stream to a target that sends known bytes then closes: the bytes, then CLOSE 0x02 from the server;
//   udp        a UDP stream to the echo target, several distinct datagrams, each echoed as exactly one DATA.
// Then the client closes its streams (CLOSE 0x02) and the WebSocket.
//
// Output lines (one JSON object each): {"check":"open",...}, one per check with "ok", {"check":"summary","ok":...}.
// Exit code: 0 when every check passed, 1 when one failed, 2 on the overall timeout, 3 on bad arguments.
// Only 127.0.0.1 and ::1 are ever contacted: the URL and the target host are refused otherwise.

import { createHash, randomBytes } from "node:crypto";
import { client } from "@mercuryworkshop/wisp-js/client";

const started = Date.now();

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function usage(message) {
  emit({ check: "arguments", ok: false, error: message });
  process.exit(3);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--") || i + 1 >= argv.length) usage(`bad argument: ${a}`);
    args[a.slice(2)] = argv[++i];
  }
  return args;
}

function intArg(args, name, min, max, fallback) {
  const raw = args[name] ?? fallback;
  if (raw === undefined) usage(`--${name} is required`);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be an integer in ${min}..${max}, was ${raw}`);
  return n;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "[::1]"]);
const args = parseArgs(process.argv.slice(2));
const url = args.url ?? usage("--url is required");
let parsedUrl;
try {
  parsedUrl = new URL(url);
} catch {
  usage(`--url is not a URL: ${url}`);
}
if (parsedUrl.protocol !== "ws:" || !LOOPBACK.has(parsedUrl.hostname)) {
  usage(`--url must be ws:// on 127.0.0.1 or [::1], was ${url}`);
}
const mode = args.mode;
if (mode !== "v1" && mode !== "v2") usage(`--mode must be v1 or v2, was ${mode}`);
const targetHost = args["target-host"] ?? "127.0.0.1";
if (!LOOPBACK.has(targetHost) || targetHost === "[::1]") usage(`--target-host must be 127.0.0.1 or ::1, was ${targetHost}`);
const tcpEchoPort = intArg(args, "tcp-echo-port", 1, 65535);
const tcpEofPort = intArg(args, "tcp-eof-port", 1, 65535);
const tcpEofBytes = intArg(args, "tcp-eof-bytes", 0, 1 << 30);
const tcpEofSha256 = args["tcp-eof-sha256"] ?? usage("--tcp-eof-sha256 is required");
const udpEchoPort = intArg(args, "udp-echo-port", 1, 65535);
const largeBytes = intArg(args, "tcp-large-bytes", 1, 1 << 30, 1024 * 1024);
const chunkBytes = intArg(args, "chunk-bytes", 1, 60000, 4096);
const timeoutMs = intArg(args, "timeout-ms", 1000, 600000, 60000);

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const hex = (n) => (n === null || n === undefined ? null : "0x" + n.toString(16).padStart(2, "0"));

/** Collects the DATA of one stream and whatever CLOSE the server sends for it. */
function watch(stream) {
  const w = { chunks: [], bytes: 0, messages: 0, closeReason: null, closed: false, continues: 0, maxQueued: 0 };
  let waiter = null;
  const poke = () => { if (waiter) waiter(); };
  stream.onmessage = (data) => {
    const copy = Uint8Array.from(data);  // the client hands out views into its receive buffer
    w.chunks.push(copy);
    w.bytes += copy.length;
    w.messages++;
    poke();
  };
  stream.onclose = (reason) => {
    w.closed = true;
    w.closeReason = reason;
    poke();
  };
  // count the per-stream CONTINUEs the client receives, and how deep its local queue (no credit left) got
  const received = stream.continue_received.bind(stream);
  stream.continue_received = (credit) => {
    w.continues++;
    received(credit);
  };
  const send = stream.send.bind(stream);
  stream.send = (data) => {
    send(data);
    w.maxQueued = Math.max(w.maxQueued, stream.send_buffer.length);
  };
  /** Resolves once done() is true or the server closed the stream. */
  w.until = (done) => new Promise((resolve) => {
    const check = () => {
      if (done() || w.closed) {
        waiter = null;
        resolve();
      }
    };
    waiter = check;
    check();
  });
  w.concat = () => Buffer.concat(w.chunks);
  return w;
}

function closeStream(stream, w) {
  if (!w.closed && stream.open) stream.close(0x02);
}

async function tcpSmall(conn) {
  const messages = [`hello from wisp-js ${mode}`, "\u00e9\u00e8 utf-8 \u2713", "x".repeat(1000), "last"];
  const expected = Buffer.concat(messages.map((m) => Buffer.from(m, "utf8")));
  const stream = conn.create_stream(targetHost, tcpEchoPort, "tcp");
  const w = watch(stream);
  for (const m of messages) stream.send(new Uint8Array(Buffer.from(m, "utf8")));
  await w.until(() => w.bytes >= expected.length);
  const got = w.concat();
  const ok = !w.closed && got.equals(expected);
  closeStream(stream, w);
  return { check: "tcp-small", ok, sent: expected.length, received: got.length, equal: got.equals(expected),
    close_reason: hex(w.closeReason) };
}

async function tcpLarge(conn) {
  const payload = new Uint8Array(randomBytes(largeBytes));
  const initialCredit = conn.max_buffer_size;
  const stream = conn.create_stream(targetHost, tcpEchoPort, "tcp");
  const w = watch(stream);
  let packets = 0;
  for (let off = 0; off < payload.length; off += chunkBytes) {
    stream.send(payload.slice(off, Math.min(off + chunkBytes, payload.length)));  // slice: a copy, own ArrayBuffer
    packets++;
  }
  await w.until(() => w.bytes >= payload.length);
  const got = w.concat();
  const sentSha = sha256(payload);
  const gotSha = sha256(got);
  const ok = !w.closed && got.length === payload.length && gotSha === sentSha;
  closeStream(stream, w);
  return { check: "tcp-large", ok, sent: payload.length, received: got.length, sha256_sent: sentSha,
    sha256_received: gotSha, data_packets_sent: packets, initial_credit: initialCredit,
    max_locally_queued: w.maxQueued, continues_received: w.continues, close_reason: hex(w.closeReason) };
}

async function tcpEof(conn) {
  const stream = conn.create_stream(targetHost, tcpEofPort, "tcp");
  const w = watch(stream);
  await w.until(() => false);  // until the server's CLOSE
  const got = w.concat();
  const gotSha = sha256(got);
  const ok = w.closeReason === 0x02 && got.length === tcpEofBytes && gotSha === tcpEofSha256;
  return { check: "tcp-eof", ok, expected: tcpEofBytes, received: got.length, sha256_expected: tcpEofSha256,
    sha256_received: gotSha, close_reason: hex(w.closeReason) };
}

async function udp(conn) {
  const sizes = [1, 7, 64, 300, 512, 1000, 1200, 1400];
  const datagrams = sizes.map((size, i) => {
    const d = new Uint8Array(randomBytes(size));
    d[0] = i;  // distinct first byte: every datagram differs
    return d;
  });
  let stream;
  try {
    stream = conn.create_stream(targetHost, udpEchoPort, "udp");
  } catch (e) {
    return { check: "udp", ok: false, sent: datagrams.length, received: 0, error: String(e?.message ?? e),
      close_reason: null };
  }
  const w = watch(stream);
  for (const d of datagrams) stream.send(d);
  await w.until(() => w.messages >= datagrams.length);
  // each DATA must be exactly one of the datagrams sent (boundaries kept), each datagram echoed once
  const pending = datagrams.map((d) => Buffer.from(d));
  const unexpected = [];
  for (const c of w.chunks) {
    const i = pending.findIndex((d) => d !== null && d.equals(c));
    if (i < 0) unexpected.push(c.length);
    else pending[i] = null;
  }
  const missing = pending.flatMap((d, i) => (d === null ? [] : [i]));
  const ok = !w.closed && missing.length === 0 && unexpected.length === 0 && w.messages === datagrams.length;
  closeStream(stream, w);
  return { check: "udp", ok, sent: datagrams.length, received: w.messages, sizes_sent: sizes,
    sizes_received: w.chunks.map((c) => c.length), missing, unexpected_sizes: unexpected,
    continues_received: w.continues, close_reason: hex(w.closeReason) };
}

const timer = setTimeout(() => {
  emit({ check: "timeout", ok: false, error: `not finished within ${timeoutMs} ms`, mode });
  process.exit(2);
}, timeoutMs);

const conn = new client.ClientConnection(url, mode === "v1" ? { wisp_version: 1 } : {});
let finished = false;
conn.onerror = () => {
  emit({ check: "websocket", ok: false, error: "WebSocket error (connection failed)" });
  process.exit(1);
};
conn.onclose = () => {
  if (!finished) {
    emit({ check: "websocket", ok: false, error: "WebSocket closed before the checks finished" });
    process.exit(1);
  }
};
conn.onopen = async () => {
  emit({ check: "open", ok: true, mode, wisp_version: conn.wisp_version, subprotocol: conn.ws.protocol,
    info_received: conn.info_received, server_extensions: Object.keys(conn.server_exts).map(Number),
    udp_enabled: conn.udp_enabled, initial_credit: conn.max_buffer_size, motd: conn.server_motd ?? null,
    ms: Date.now() - started });
  // the four checks run at once on this connection; each result line is printed when its check ends
  const results = await Promise.all([tcpSmall(conn), tcpLarge(conn), tcpEof(conn), udp(conn)].map((p) => p
    .catch((e) => ({ check: "exception", ok: false, error: String(e?.stack ?? e) }))
    .then((r) => {
      const line = { ...r, ms: Date.now() - started };
      emit(line);
      return line;
    })));
  finished = true;
  const ok = results.every((r) => r.ok);
  // close the WebSocket and wait (bounded by the overall timer) for the close handshake
  const closed = new Promise((resolve) => conn.ws.once("close", (code) => resolve(code)));
  conn.close();
  const wsCloseCode = await closed;
  clearTimeout(timer);
  emit({ check: "summary", ok, mode, wisp_version: conn.wisp_version, failed: results.filter((r) => !r.ok)
    .map((r) => r.check), ws_close_code: wsCloseCode, ms: Date.now() - started });
  process.exit(ok ? 0 : 1);
};
