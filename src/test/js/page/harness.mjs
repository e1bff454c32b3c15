// In-page half of browser-clients.mjs. It loads ONE client (?client=epoxy or ?client=libcurl) from the unmodified
// npm package files served under /pkg/, and exposes window.harness with:
//   init(opts)        -> loads the client, builds it against the Wisp URL, returns version info
//   run(check, args)  -> runs one check, returns raw measurements (Node judges them against expected values)
//   wsReport()        -> what the page saw of every WebSocket the client opened (instrumentation below)
// Nothing here decides pass/fail, except where only the page can know (e.g. echoed bytes equal what was sent).

const params = new URL(location.href).searchParams;
const CLIENT = params.get("client");
const statusEl = document.getElementById("status");
const setStatus = (s) => { statusEl.textContent = s; };

// ------------------------------------------------------------------------------------------ WebSocket instrumentation
// Observation only: every WebSocket the client library creates is a subclass instance that records the offered and
// selected subprotocols, the first packet type the server sent (0x03 CONTINUE = Wisp v1 / v2 accepted, 0x05 INFO =
// v2 handshake), close/error events, and the size of every message sent and received. send() forwards unchanged.
const NativeWebSocket = window.WebSocket;
const sockets = [];
let window_ = newWindow();   // per-check counters, reset by run()

function newWindow() {
  return { sent: counter(), recv: counter(), t0: performance.now(), timeline: [], big: { sent: null, recv: null },
    flow: flowCounter() };
}
function flowCounter() {
  return { data_sent: 0, data_sent_without_credit: 0, min_credit: null, continues: 0 };
}
/** Client-side view of Wisp credit (wisp-protocol.md section 5): initial credit B from CONTINUE on stream 0, minus one
 *  per DATA sent on a stream, replaced by each CONTINUE for that stream. A DATA sent while the client's known credit
 *  is 0 counts as data_sent_without_credit: the client overran the flow control the server asked for. */
function flow(rec, dir, data, n, type) {
  if (n < 5 || (type !== 2 && type !== 3)) return;
  let view;
  try {
    view = data instanceof ArrayBuffer ? new DataView(data, 0, Math.min(n, 9))
      : new DataView(data.buffer, data.byteOffset, Math.min(n, 9));
  } catch { return; }
  const stream = view.getUint32(1, true);
  if (dir === "recv" && type === 3) {
    const v = n >= 9 ? view.getUint32(5, true) : null;
    if (stream === 0) { if (rec.initial_credit === null) rec.initial_credit = v; }
    else { rec.credit.set(stream, v); rec.total.flow.continues++; window_.flow.continues++; }
    return;
  }
  if (dir === "sent" && type === 2 && stream !== 0) {
    const credit = rec.credit.has(stream) ? rec.credit.get(stream) : (rec.initial_credit ?? 0);
    for (const f of [rec.total.flow, window_.flow]) {
      f.data_sent++;
      if (credit <= 0) f.data_sent_without_credit++;
      f.min_credit = f.min_credit === null ? credit - 1 : Math.min(f.min_credit, credit - 1);
    }
    rec.credit.set(stream, credit - 1);
  }
}
/** A timeline of the small messages (and the span of the big ones) of the running check, for the while-streaming
 *  checks: shows whether a stalled echo was stuck before the client sent it or after. */
function note(dir, data, n, type) {
  const t = Math.round(performance.now() - window_.t0);
  if (n > 2048) {
    const b = (window_.big[dir] ??= { first_ms: t, last_ms: t, messages: 0, bytes: 0 });
    b.last_ms = t; b.messages++; b.bytes += n;
    return;
  }
  if (window_.timeline.length >= 300) return;
  let stream = null;
  try {
    const view = data instanceof ArrayBuffer ? new DataView(data) : new DataView(data.buffer, data.byteOffset, data.byteLength);
    stream = n >= 5 ? view.getUint32(1, true) : null;
  } catch { /* not binary */ }
  window_.timeline.push([t, dir, WISP_TYPES[type] ?? type, stream, n]);
}
function counter() {
  return { messages: 0, bytes: 0, max: 0, sizes: new Map(), types: {} };
}
const WISP_TYPES = { 1: "CONNECT", 2: "DATA", 3: "CONTINUE", 4: "CLOSE", 5: "INFO" };
function firstByte(data) {
  try {
    if (data instanceof ArrayBuffer) return data.byteLength ? new Uint8Array(data, 0, 1)[0] : null;
    if (ArrayBuffer.isView(data)) return data.byteLength ? new Uint8Array(data.buffer, data.byteOffset, 1)[0] : null;
  } catch { /* fall through */ }
  return null;
}
function count(c, n, type) {
  const t = WISP_TYPES[type] ?? (type === null || type === undefined ? "other" : "0x" + type.toString(16));
  c.types[t] = (c.types[t] ?? 0) + 1;
  c.messages++;
  c.bytes += n;
  if (n > c.max) c.max = n;
  c.sizes.set(n, (c.sizes.get(n) ?? 0) + 1);
}
function summarize(c) {
  const bySize = [...c.sizes.entries()];
  return {
    messages: c.messages, bytes: c.bytes, max: c.max, wisp_types: c.types,
    // the most frequent sizes, and the sizes that carried the most bytes: [size, count]
    top_by_count: bySize.slice().sort((a, b) => b[1] - a[1] || b[0] - a[0]).slice(0, 5),
    top_by_bytes: bySize.slice().sort((a, b) => b[0] * b[1] - a[0] * a[1]).slice(0, 5),
  };
}
function byteLength(data) {
  if (typeof data === "string") return new TextEncoder().encode(data).length;
  if (data instanceof Blob) return data.size;
  return data.byteLength ?? 0;
}

class InstrumentedWebSocket extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    const rec = {
      n: sockets.length + 1, url: String(url),
      offered: protocols === undefined ? [] : [].concat(protocols),
      selected: null, opened_ms: null, first_packet_type: null, first_packets: [],
      close: null, errors: 0, total: { sent: counter(), recv: counter(), flow: flowCounter() },
      initial_credit: null, credit: new Map(),
    };
    const t0 = performance.now();
    this.__rec = rec;
    sockets.push(rec);
    this.addEventListener("open", () => {
      rec.selected = this.protocol;
      rec.opened_ms = Math.round(performance.now() - t0);
    });
    this.addEventListener("message", (e) => {
      const n = byteLength(e.data);
      const type = firstByte(e.data);
      count(rec.total.recv, n, type);
      count(window_.recv, n, type);
      note("recv", e.data, n, type);
      flow(rec, "recv", e.data, n, type);
      if (rec.first_packets.length < 3 && e.data instanceof ArrayBuffer && n >= 5) {
        const b = new Uint8Array(e.data);
        rec.first_packets.push({ type: b[0], stream: new DataView(e.data).getUint32(1, true), length: n });
        if (rec.first_packet_type === null) rec.first_packet_type = b[0];
      }
    });
    this.addEventListener("close", (e) => {
      rec.close = { code: e.code, reason: e.reason, clean: e.wasClean, at_ms: Math.round(performance.now()) };
    });
    this.addEventListener("error", () => { rec.errors++; });
  }

  send(data) {
    const n = byteLength(data);
    const type = firstByte(data);
    count(this.__rec.total.sent, n, type);
    count(window_.sent, n, type);
    note("sent", data, n, type);
    flow(this.__rec, "sent", data, n, type);
    return super.send(data);
  }
}
window.WebSocket = InstrumentedWebSocket;

function wsReport() {
  return sockets.map((r) => ({
    n: r.n, url: r.url, offered: r.offered, selected: r.selected, opened_ms: r.opened_ms,
    first_packet_type: r.first_packet_type, first_packets: r.first_packets, close: r.close, errors: r.errors,
    sent: summarize(r.total.sent), recv: summarize(r.total.recv),
    flow_control: { initial_credit: r.initial_credit, ...r.total.flow },
  }));
}

// ---------------------------------------------------------------------------------------------------------- helpers
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));
const now = () => performance.now();
const ms = (t0) => Math.round(performance.now() - t0);

// POST bodies are passed as an ArrayBuffer, not a Uint8Array: libcurl.js 0.7.4 JSON.stringify()s the whole fetch
// options object, body included, before handing it to C (HTTPSession.request_async); a Uint8Array becomes
// {"0":..,"1":..}, so a 1 MiB body costs ~1.5 s and 16 MiB throws "RangeError: Invalid array length". An
// ArrayBuffer stringifies to {} and fetch() still reads it as the body. epoxy takes either.

/** The deterministic test content, the same as the Node side's: AES-128-CTR keystream, key = SHA-256("wisp-interop:"
 *  + seed)[0..16], counter block 0, over n zero bytes. */
async function content(n, seed) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("wisp-interop:" + seed));
  const key = await crypto.subtle.importKey("raw", new Uint8Array(digest).slice(0, 16), "AES-CTR", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 128 },
    key, new Uint8Array(n)));
}

function errorText(e) {
  if (e === undefined || e === null) return String(e);
  if (typeof e === "string") return e;
  return (e.name ? e.name + ": " : "") + (e.message ?? String(e));
}

// ------------------------------------------------------------------------------------------------- client adapters
// Each adapter: fetch(url, init) -> Response-like; openTcp(host, port) -> {send(u8), recvExactly(n), close()};
// plus client-specific extras.

/** A byte queue over chunks, with a waiter, for echo streams. */
function byteQueue() {
  const chunks = [];
  let have = 0, waiter = null, ended = null;
  return {
    push(u8) { chunks.push(u8); have += u8.length; if (waiter) waiter(); },
    end(reason) { ended = reason ?? "closed"; if (waiter) waiter(); },
    async take(n, prog) {
      while (have < n) {
        if (prog) prog.received = have;
        if (ended) throw new Error(`stream ended (${ended}) with ${have} of ${n} bytes`);
        await new Promise((r) => { waiter = r; });
        waiter = null;
      }
      const out = new Uint8Array(n);
      let off = 0;
      while (off < n) {
        const c = chunks[0];
        const k = Math.min(c.length, n - off);
        out.set(c.subarray(0, k), off);
        off += k;
        if (k === c.length) chunks.shift(); else chunks[0] = c.subarray(k);
      }
      have -= n;
      return out;
    },
  };
}

async function makeEpoxy(opts) {
  const mod = await import("/pkg/epoxy/epoxy.js");
  await mod.default({ module_or_path: "/pkg/epoxy/epoxy.wasm" });
  const build = (pemFiles, wispV2 = !!opts.epoxyWispV2) => {
    const o = new mod.EpoxyClientOptions();
    o.user_agent = navigator.userAgent;
    o.wisp_v2 = wispV2;
    if (pemFiles) o.pem_files = pemFiles;
    return new mod.EpoxyClient(opts.wispUrl, o);
  };
  const client = build([opts.caPem]);
  return {
    version: { package: "@mercuryworkshop/epoxy-tls", ...mod.info },
    options: { wisp_v2: !!opts.epoxyWispV2, pem_files: "[test CA]", disable_certificate_validation: false },
    fetch: (url, init = {}) => client.fetch(url, init),
    async openTcp(host, port) {
      const io = await client.connect_tcp(`tcp://${host}:${port}`);
      const writer = io.write.getWriter();
      const reader = io.read.getReader();
      const q = byteQueue();
      (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) { q.end("eof"); return; }
            q.push(new Uint8Array(value));
          }
        } catch (e) { q.end(errorText(e)); }
      })();
      return {
        send: (u8) => writer.write(u8),
        recvExactly: (n, prog) => q.take(n, prog),
        close: async () => { try { await writer.close(); } catch { /* already closed */ } },
      };
    },
    /** A separate client with the other wisp_v2 setting (its own WebSocket): one download, one upload, one echo. */
    async otherVersionProbe({ downloadUrl, uploadUrl, n, seed, echoHost, echoPort }) {
      const wispV2 = !opts.epoxyWispV2;
      const c = build([opts.caPem], wispV2);
      const firstSocket = sockets.length;
      const out = { wisp_v2: wispV2 };
      try {
        const r = await c.fetch(downloadUrl, {});
        const buf = await r.arrayBuffer();
        out.download = { status: r.status, length: buf.byteLength, sha256: await sha256(buf) };
        const body = await content(n, seed);
        const u = await c.fetch(uploadUrl, { method: "POST", body: body.buffer });
        out.upload = { status: u.status, server: JSON.parse(await u.text()) };
        const io = await c.connect_tcp(`tcp://${echoHost}:${echoPort}`);
        const w = io.write.getWriter(), rd = io.read.getReader();
        const msg = echoMessage(7, 3000);
        await w.write(msg);
        const q = byteQueue();
        (async () => { for (;;) { const { value, done } = await rd.read(); if (done) return q.end("eof"); q.push(new Uint8Array(value)); } })()
          .catch((e) => q.end(errorText(e)));
        const back = await q.take(msg.length);
        out.echo_ok = back.every((b, i) => b === msg[i]);
      } catch (e) {
        out.error = errorText(e);
      }
      out.websockets = sockets.slice(firstSocket).map((r) => ({ offered: r.offered, selected: r.selected,
        first_packets: r.first_packets, sent_types: r.total.sent.types }));
      try { c.free(); } catch { /* ignore */ }
      return out;
    },
    /** A second, separate client WITHOUT the test CA: its HTTPS fetch must fail certificate validation. */
    async untrustedFetch(url) {
      const c = build(null);
      try { return await c.fetch(url, {}); } finally { try { c.free(); } catch { /* ignore */ } }
    },
  };
}

async function makeLibcurl(opts) {
  const { libcurl } = await import("/pkg/libcurl/libcurl.mjs");
  const log = [];
  libcurl.logger = (type, text) => { if (log.length < 200) log.push(`${type}: ${text}`); };
  libcurl.stderr = (text) => { if (log.length < 200) log.push(`stderr: ${text}`); };
  await libcurl.load_wasm("/pkg/libcurl/libcurl.wasm");
  libcurl.set_websocket(opts.wispUrl);
  const wispUrl = opts.wispUrl.endsWith("/") ? opts.wispUrl : opts.wispUrl + "/";
  return {
    version: { package: "libcurl.js", ...libcurl.version },
    options: { transport: libcurl.transport, http_version: "libcurl default (HTTP/2 over TLS via ALPN, else 1.1)" },
    log,
    fetch: (url, init = {}) => libcurl.fetch(url, init),
    /** libcurl.js's raw TCP socket over Wisp: its bundled wisp client's WebSocket-like WispWebSocket
     *  (libcurl.wisp.WispWebSocket, URL = Wisp URL + "host:port"). It shares the WispConnection that curl's own
     *  sockets use (libcurl.wisp.wisp_connections is keyed by the Wisp URL), so everything runs on one WebSocket. */
    async openTcp(host, port) {
      const ws = new libcurl.wisp.WispWebSocket(wispUrl + `${host}:${port}`);
      ws.binaryType = "arraybuffer";
      const q = byteQueue();
      // On an already connected WispConnection the constructor opens the stream synchronously (the "open" event
      // fires before a listener can be added), so look at .stream first.
      if (!ws.stream) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error("WispWebSocket did not open within 10 s")), 10000);
          ws.addEventListener("open", () => { clearTimeout(t); resolve(); }, { once: true });
        });
      }
      ws.addEventListener("message", (e) => q.push(new Uint8Array(e.data)));
      ws.addEventListener("close", (e) => q.end(`CLOSE reason 0x${(e.code ?? 0).toString(16)}`));
      return {
        send: (u8) => ws.send(u8),
        recvExactly: (n, prog) => q.take(n, prog),
        close: async () => { try { ws.close(); } catch { /* ignore */ } },
      };
    },
    wispConnections: () => Object.keys(libcurl.wisp.wisp_connections),
    libcurl,
  };
}

// -------------------------------------------------------------------------------------------------- TLS trust (libcurl)
// libcurl.js 0.7.4 has no option to add a CA or to skip verification: curl verifies against the Mozilla bundle
// compiled into the wasm (CURLOPT_CAINFO_BLOB, CURL_BLOB_NOCOPY, pointing at the PEM text init_curl() generated on
// the wasm heap). injectCa() replaces, IN MEMORY ONLY, one bundled root's base64 body with the test CA's (padded with
// newlines, which mbedtls' PEM/base64 decoder skips), so the PEM keeps its length and layout and new connections
// trust the test CA. The npm package files are untouched. The wasm Memory is captured by wrapping
// WebAssembly.instantiate/instantiateStreaming (observation: the arguments pass through unchanged).
const memories = [];
for (const name of ["instantiate", "instantiateStreaming"]) {
  const orig = WebAssembly[name];
  WebAssembly[name] = async function (...a) {
    const result = await orig.apply(this, a);
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    if (instance) for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) memories.push(v);
    return result;
  };
}

function findBytes(hay, needle) {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function injectCa(libcurl, caPem) {
  const bundle = libcurl.get_cacert();
  const enc = new TextEncoder();
  const bundleBytes = enc.encode(bundle);
  const ourB64 = caPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  const memory = memories.find((m) => findBytes(new Uint8Array(m.buffer), bundleBytes.subarray(0, 256)) !== -1);
  if (!memory) throw new Error(`libcurl's CA bundle not found in ${memories.length} captured wasm memories`);
  const heap = new Uint8Array(memory.buffer);
  const base = findBytes(heap, bundleBytes.subarray(0, 256));
  for (let i = 0; i < bundleBytes.length; i++) {
    if (heap[base + i] !== bundleBytes[i]) throw new Error("the CA bundle in wasm memory differs from get_cacert()");
  }
  // pick the first bundled certificate whose base64 body is long enough for ours
  const begin = "-----BEGIN CERTIFICATE-----\n", end = "\n-----END CERTIFICATE-----";
  let pos = 0, replaced = -1, index = 0;
  while ((pos = bundle.indexOf(begin, pos)) !== -1) {
    const bodyStart = pos + begin.length;
    const bodyEnd = bundle.indexOf(end, bodyStart);
    if (bodyEnd - bodyStart >= ourB64.length) {
      const body = new Uint8Array(bodyEnd - bodyStart).fill(0x0a);   // '\n' padding
      body.set(enc.encode(ourB64), 0);
      heap.set(body, base + bodyStart);   // ASCII: string index == byte index
      replaced = index;
      break;
    }
    pos = bodyEnd;
    index++;
  }
  if (replaced < 0) throw new Error("no bundled certificate is long enough to hold the test CA");
  const after = libcurl.get_cacert();
  if (!after.includes(ourB64)) throw new Error("injection did not take");
  return { bundle_bytes: bundleBytes.length, replaced_cert_index: replaced, test_ca_b64_chars: ourB64.length };
}

// ------------------------------------------------------------------------------------------------------------ checks
let adapter = null;
let initOpts = null;
/** What the running check is doing now; Node reads it when a check times out. */
let progress = {};

async function download(url) {
  const t0 = now();
  const r = await adapter.fetch(url);
  const tHeaders = ms(t0);
  const buf = await r.arrayBuffer();
  const tBody = ms(t0);
  return { status: r.status, length: buf.byteLength, sha256: await sha256(buf), headers_ms: tHeaders, body_ms: tBody };
}

async function upload(url, n, seed) {
  const body = await content(n, seed);
  const t0 = now();
  const r = await adapter.fetch(url, { method: "POST", body: body.buffer,
    headers: { "Content-Type": "application/octet-stream" } });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* reported below */ }
  return { status: r.status, server: json, raw: json ? undefined : text.slice(0, 200), transfer_ms: ms(t0) };
}

/** Echo round trips on one open TCP stream: each message distinct; returns the first mismatch if any. */
async function echoRoundTrip(sock, msg) {
  await sock.send(msg);
  const back = await sock.recvExactly(msg.length);
  for (let i = 0; i < msg.length; i++) if (back[i] !== msg[i]) return `byte ${i} differs`;
  return null;
}

/** Closes an echo stream, but does not wait for ever: epoxy's WritableStream.close() may never resolve. */
async function closeWithin(sock, limitMs) {
  const t0 = now();
  const r = await Promise.race([sock.close().then(() => "closed"), new Promise((res) => setTimeout(() => res("pending"), limitMs))]);
  return { close_promise: r, ms: ms(t0) };
}

function echoMessage(i, size) {
  const m = new Uint8Array(size);
  for (let j = 0; j < size; j++) m[j] = (i * 31 + j * 7 + (j >> 8)) & 0xff;
  return m;
}

const checks = {
  async download({ url }) {
    return download(url);
  },

  async upload({ url, n, seed }) {
    return upload(url, n, seed);
  },

  async parallel({ urls }) {
    const t0 = now();
    const results = await Promise.allSettled(urls.map((u) => download(u)));
    return {
      total_ms: ms(t0),
      results: results.map((r) => (r.status === "fulfilled" ? r.value : { error: errorText(r.reason) })),
    };
  },

  async tcpEcho({ host, port, small, bulkBytes, chunkBytes }) {
    const t0 = now();
    const sock = await adapter.openTcp(host, port);
    const opened = ms(t0);
    const mismatches = [];
    // small distinct messages, one round trip each
    for (let i = 0; i < small; i++) {
      progress = { phase: "small", i };
      const bad = await echoRoundTrip(sock, echoMessage(i, 1 + ((i * 97) % 1500)));
      if (bad) mismatches.push(`small ${i}: ${bad}`);
    }
    const tSmall = ms(t0);
    // bulk: send everything (chunked), read it back concurrently, compare hashes
    const data = await content(bulkBytes, "tcp-echo-bulk");
    progress = { phase: "bulk" };
    const receiving = sock.recvExactly(bulkBytes, progress);
    for (let off = 0; off < bulkBytes; off += chunkBytes) {
      progress.sent = off;
      await sock.send(data.subarray(off, off + chunkBytes));
    }
    progress.sent = bulkBytes;
    const back = await receiving;
    progress.phase = "hashing";
    const [sent, got] = await Promise.all([sha256(data), sha256(back)]);
    if (sent !== got) mismatches.push("bulk: SHA-256 differs");
    progress.phase = "closing";
    const closed = await closeWithin(sock, 2000);
    return { opened_ms: opened, small_ms: tSmall - opened, bulk_ms: ms(t0) - tSmall, small, bulk_bytes: bulkBytes,
      chunk_bytes: chunkBytes, sha256_sent: sent, sha256_received: got, mismatches, close: closed };
  },

  /** A big POST, while on the same Wisp connection an echo stream does sequential round trips and small GETs loop. */
  async uploadWhileStreaming({ uploadUrl, n, seed, echoHost, echoPort, echoSize, getUrl, getBytes, getSha256 }) {
    const sock = await adapter.openTcp(echoHost, echoPort);
    // warm up: the echo stream is open and working before the upload starts
    const warm = await echoRoundTrip(sock, echoMessage(0, echoSize));
    const body = await content(n, seed);
    let uploading = true;
    const errors = [];
    const echo = { during: 0, after: 0, max_ms: 0, latencies: [] };
    const gets = { during: 0, after: 0, max_ms: 0 };
    const t0 = now();
    const up = (async () => {
      try {
        const r = await adapter.fetch(uploadUrl, { method: "POST", body: body.buffer,
          headers: { "Content-Type": "application/octet-stream" } });
        const text = await r.text();
        let json = null;
        try { json = JSON.parse(text); } catch { errors.push("upload answer: " + text.slice(0, 200)); }
        return { status: r.status, server: json, ms: ms(t0) };
      } catch (e) {
        errors.push("upload: " + errorText(e));
        return { error: errorText(e), ms: ms(t0) };
      } finally {
        uploading = false;
      }
    })();
    const echoLoop = (async () => {
      for (let i = 1; uploading; i++) {
        const t = now();
        try {
          const bad = await echoRoundTrip(sock, echoMessage(i, echoSize));
          if (bad) errors.push(`echo ${i}: ${bad}`);
        } catch (e) { errors.push(`echo ${i}: ${errorText(e)}`); return; }
        const d = ms(t);
        if (uploading) { echo.during++; echo.max_ms = Math.max(echo.max_ms, d); if (echo.latencies.length < 400) echo.latencies.push(d); }
        else echo.after++;
      }
    })();
    const getLoop = (async () => {
      for (let i = 1; uploading; i++) {
        const t = now();
        try {
          const r = await download(getUrl);
          if (r.status !== 200 || r.length !== getBytes || r.sha256 !== getSha256) {
            errors.push(`get ${i}: status ${r.status}, ${r.length} bytes, sha ${r.sha256.slice(0, 12)}`);
          }
        } catch (e) { errors.push(`get ${i}: ${errorText(e)}`); return; }
        const d = ms(t);
        if (uploading) { gets.during++; gets.max_ms = Math.max(gets.max_ms, d); } else gets.after++;
      }
    })();
    const upResult = await up;
    await Promise.all([echoLoop, getLoop]);
    const closed = await closeWithin(sock, 2000);
    const lat = echo.latencies.slice().sort((a, b) => a - b);
    echo.median_ms = lat.length ? lat[lat.length >> 1] : null;
    delete echo.latencies;
    return { warmup_ok: warm === null, upload: upResult, echo, gets, errors: errors.slice(0, 20), echo_close: closed,
      upload_started_ms: Math.round(t0 - window_.t0), big_messages: window_.big,
      // [ms since check start, "sent"|"recv", wisp type, stream id, message bytes], messages <= 2 KiB, first 300
      timeline: window_.timeline };
  },

  /** HTTPS fetch expected to FAIL certificate validation (client without the test CA). */
  async untrustedHttps({ url }) {
    const t0 = now();
    try {
      const r = adapter.untrustedFetch ? await adapter.untrustedFetch(url) : await adapter.fetch(url);
      const buf = await r.arrayBuffer();
      return { rejected: false, status: r.status, length: buf.byteLength, ms: ms(t0) };
    } catch (e) {
      return { rejected: true, rejection: errorText(e), ms: ms(t0) };
    }
  },

  async otherVersionProbe(a) {
    return adapter.otherVersionProbe(a);
  },

  async injectCa() {
    return injectCa(adapter.libcurl, initOpts.caPem);
  },
};

window.harness = {
  async init(opts) {
    initOpts = opts;
    const t0 = now();
    if (CLIENT === "epoxy") adapter = await makeEpoxy(opts);
    else if (CLIENT === "libcurl") adapter = await makeLibcurl(opts);
    else throw new Error("unknown client " + CLIENT);
    setStatus("ready: " + CLIENT);
    return { client: CLIENT, load_ms: ms(t0), version: adapter.version, options: adapter.options,
      user_agent: navigator.userAgent, secure_context: isSecureContext };
  },
  progress: () => progress,
  async run(name, args) {
    window_ = newWindow();
    progress = {};
    const t0 = now();
    let result;
    try {
      result = await checks[name](args);
    } catch (e) {
      result = { error: errorText(e), stack: String(e?.stack ?? "").split("\n").slice(0, 4).join(" | ") };
    }
    return { page_ms: ms(t0), result, ws: { sent: summarize(window_.sent), recv: summarize(window_.recv),
      flow_control: window_.flow },
      libcurl_log: adapter?.log?.splice(0) };
  },
  wsReport,
  wispConnections: () => adapter?.wispConnections?.(),
};
setStatus("harness loaded: " + CLIENT);
