// Drives the real browser Wisp clients, @mercuryworkshop/epoxy-tls and libcurl.js (unmodified npm package files), in
// Debian's headless Chromium (playwright-core, executablePath /usr/bin/chromium) against a Wisp server on loopback,
// and prints one JSON line per check on stdout. See README-notes.md.
//
//   node browser-clients.mjs ws://127.0.0.1:8080/wisp/ [--clients epoxy,libcurl] [--sizes-mib 1,16,64]
//        [--check-timeout-ms 90000] [--timeout-ms 420000] [--epoxy-wisp-v2 false] [--min-during 10] [--min-during-epoxy 0]
//        [--concurrent-mib 64] [--parallel 20] [--parallel-bytes 262144] [--echo-bytes 4194304] [--only REGEX]
//        [--chromium /usr/bin/chromium] [--quiet]
//
// Everything it starts listens on 127.0.0.1 with an ephemeral port: an HTTP and an HTTPS target (downloads of N
// deterministic bytes, uploads answered with their SHA-256 and length), a raw TCP echo, and the static server for the
// page and the packages' browser files. The browser reaches the targets only through the Wisp server.
//
// Exit code: 0 every check passed; 1 a check failed; 2 the overall timeout hit; 3 bad arguments; 4 setup failed
// (no Chromium, no openssl, a port, the page did not load).

import { spawnSync } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();
const MiB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------------ output
const results = [];
function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
let stopping = false;   // set by the overall timeout: nothing is printed after its summary
function record(client, check, ok, ms, detail) {
  if (stopping) return null;
  const line = { client, check, ok: !!ok, ms: Math.round(ms), detail };
  results.push(line);
  emit(line);
  return line;
}
function log(...a) {
  if (!args.quiet) process.stderr.write(`[browser-clients +${((Date.now() - started) / 1000).toFixed(1)}s] ${a.join(" ")}\n`);
}
function usage(message) {
  emit({ client: null, check: "arguments", ok: false, ms: 0, detail: { error: message } });
  process.exit(3);
}

// ---------------------------------------------------------------------------------------------------- arguments
function parseArgs(argv) {
  const out = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quiet") { out.quiet = true; continue; }
    if (a === "--help" || a === "-h") usage("usage: node browser-clients.mjs <ws://127.0.0.1:PORT/wisp/> [options], see README-notes.md");
    if (a.startsWith("--")) {
      if (i + 1 >= argv.length) usage(`missing value for ${a}`);
      out[a.slice(2)] = argv[++i];
    } else {
      out.positional.push(a);
    }
  }
  return out;
}
const args = parseArgs(process.argv.slice(2));
const known = new Set(["positional", "quiet", "url", "clients", "sizes-mib", "check-timeout-ms", "timeout-ms",
  "epoxy-wisp-v2", "min-during", "chromium", "parallel", "parallel-bytes", "echo-bytes", "only", "concurrent-mib", "min-during-epoxy"]);
for (const k of Object.keys(args)) if (!known.has(k)) usage(`unknown option --${k}`);

function intArg(name, min, max, fallback) {
  const raw = args[name] ?? fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be an integer in ${min}..${max}, was ${raw}`);
  return n;
}
const wispUrl = args.url ?? args.positional[0] ?? usage("the Wisp server URL (ws://127.0.0.1:PORT/.../) is required");
if (args.positional.length > (args.url ? 0 : 1)) usage(`unexpected argument ${args.positional.at(-1)}`);
let parsedUrl;
try { parsedUrl = new URL(wispUrl); } catch { usage(`not a URL: ${wispUrl}`); }
if (parsedUrl.protocol !== "ws:" || !["127.0.0.1", "localhost"].includes(parsedUrl.hostname)) {
  usage(`the Wisp URL must be ws:// on 127.0.0.1 or localhost (the page's CSP allows only those), was ${wispUrl}`);
}
if (!parsedUrl.pathname.endsWith("/")) usage(`a Wisp URL ends with "/", was ${wispUrl}`);
const clients = (args.clients ?? "epoxy,libcurl").split(",").filter(Boolean);
for (const c of clients) if (c !== "epoxy" && c !== "libcurl") usage(`--clients: epoxy and/or libcurl, was ${c}`);
const sizesMiB = (args["sizes-mib"] ?? "1,16,64").split(",").map(Number);
for (const s of sizesMiB) if (!Number.isInteger(s) || s < 1 || s > 256) usage(`--sizes-mib: integers 1..256`);
const checkTimeoutMs = intArg("check-timeout-ms", 1000, 3_600_000, 90_000);
const timeoutMs = intArg("timeout-ms", 5000, 7_200_000, 420_000);
const minDuring = intArg("min-during", 0, 1_000_000, 10);
const minDuringEpoxy = intArg("min-during-epoxy", 0, 1_000_000, 0);
const parallelN = intArg("parallel", 1, 200, 20);
const parallelBytes = intArg("parallel-bytes", 1, 64 * MiB, 256 * 1024);
const echoBytes = intArg("echo-bytes", 1, 256 * MiB, 4 * MiB);
const epoxyWispV2 = (args["epoxy-wisp-v2"] ?? "false") === "true";
const chromiumPath = args.chromium ?? "/usr/bin/chromium";
let only = null;
try { only = args.only ? new RegExp(args.only) : null; } catch (e) { usage(`--only: ${e.message}`); }
const bigMiB = intArg("concurrent-mib", 1, 256, 64);

// -------------------------------------------------------------------------------------------- overall timeout
let browser = null;
const cleanups = [];
async function cleanup() {
  for (const c of cleanups.splice(0).reverse()) {
    try { await Promise.race([c(), new Promise((r) => setTimeout(r, 5000))]); } catch { /* best effort */ }
  }
}
const overall = setTimeout(async () => {
  record(null, "overall-timeout", false, Date.now() - started, { timeout_ms: timeoutMs });
  summary();
  stopping = true;
  await cleanup();
  process.exit(2);
}, timeoutMs);

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, async () => {
    record(null, "terminated", false, Date.now() - started, { signal: sig });
    summary();
    stopping = true;
    await cleanup();
    process.exit(2);
  });
}

function summary() {
  if (stopping) return false;
  const failed = results.filter((r) => !r.ok);
  emit({ client: null, check: "summary", ok: failed.length === 0 && results.length > 0,
    ms: Date.now() - started, detail: { checks: results.length, passed: results.length - failed.length,
      failed: failed.map((r) => `${r.client ?? "-"}/${r.check}`) } });
  return failed.length === 0;
}

function setupFailed(what, error) {
  record(null, "setup", false, Date.now() - started, { what, error: String(error?.stack ?? error) });
  summary();
  cleanup().finally(() => process.exit(4));
  return new Promise(() => {});   // never continue
}

// ------------------------------------------------------------------------------------------- test content
/** AES-128-CTR keystream over n zero bytes, key = SHA-256("wisp-interop:" + seed)[0..16], counter block 0. */
function cipherFor(seed) {
  const key = createHash("sha256").update("wisp-interop:" + seed).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
}
const ZERO = Buffer.alloc(MiB);
const expectedMemo = new Map();
function expectedSha256(n, seed) {
  const k = `${n}/${seed}`;
  if (!expectedMemo.has(k)) {
    const c = cipherFor(seed);
    const h = createHash("sha256");
    for (let left = n; left > 0; left -= MiB) h.update(c.update(left >= MiB ? ZERO : ZERO.subarray(0, left)));
    expectedMemo.set(k, h.digest("hex"));
  }
  return expectedMemo.get(k);
}

// ------------------------------------------------------------------------------------------------ TLS material
/** A throw-away CA and a leaf for 127.0.0.1/localhost, made now with the openssl CLI (ECDSA P-256, 2 days). */
function makeCerts(dir) {
  const run = (...a) => {
    const r = spawnSync("openssl", a, { cwd: dir, encoding: "utf8" });
    if (r.error) throw new Error(`openssl not runnable: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`openssl ${a.join(" ")} failed: ${r.stderr}`);
  };
  writeFileSync(path.join(dir, "leaf.ext"), [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
  ].join("\n") + "\n");
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
  run("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=wisp browser-clients test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem");
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key");
  run("req", "-new", "-key", "leaf.key", "-subj", "/CN=127.0.0.1", "-out", "leaf.csr");
  run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
    "-sha256", "-extfile", "leaf.ext", "-out", "leaf.pem");
  return {
    caPem: readFileSync(path.join(dir, "ca.pem"), "utf8"),
    key: readFileSync(path.join(dir, "leaf.key")),
    cert: readFileSync(path.join(dir, "leaf.pem")),
  };
}

// ------------------------------------------------------------------------------------------------------ targets
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

function targetHandler(stats) {
  return (req, res) => {
    stats.requests++;
    const u = new URL(req.url, "http://x");
    if (req.method === "GET" && u.pathname === "/data") {
      const n = Number(u.searchParams.get("n"));
      const seed = u.searchParams.get("seed") ?? "";
      if (!Number.isInteger(n) || n < 0 || n > 1024 * MiB) { res.writeHead(400); res.end("bad n\n"); return; }
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n, "Cache-Control": "no-store" });
      const c = cipherFor(seed);
      let left = n, closed = false;
      res.on("close", () => { closed = true; });
      const pump = () => {
        while (left > 0 && !closed) {
          const k = Math.min(left, MiB);
          left -= k;
          if (!res.write(c.update(k === MiB ? ZERO : ZERO.subarray(0, k)))) { res.once("drain", pump); return; }
        }
        if (!closed) res.end();
      };
      pump();
      stats.downloads++;
      return;
    }
    if (req.method === "POST" && u.pathname === "/upload") {
      const h = createHash("sha256");
      let length = 0;
      req.on("data", (d) => { h.update(d); length += d.length; });
      req.on("end", () => {
        stats.uploads++;
        stats.uploadBytes += length;
        const body = JSON.stringify({ sha256: h.digest("hex"), length,
          content_length: req.headers["content-length"] ?? null, expect: req.headers.expect ?? null,
          http_version: req.httpVersion });
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found\n");
  };
}

function trackConnections(server, stats, event = "connection") {
  const sockets = new Set();
  server.on(event, (s) => { stats.connections++; sockets.add(s); s.on("close", () => sockets.delete(s)); });
  return () => { for (const s of sockets) s.destroy(); };
}

async function startTargets(tls) {
  const httpStats = { connections: 0, requests: 0, downloads: 0, uploads: 0, uploadBytes: 0 };
  const httpsStats = { connections: 0, requests: 0, downloads: 0, uploads: 0, uploadBytes: 0, tlsErrors: [],
    handshakes: 0, alpn: {} };
  const echoStats = { connections: 0, bytes: 0 };

  const httpServer = http.createServer(targetHandler(httpStats));
  const killHttp = trackConnections(httpServer, httpStats);
  const httpsServer = https.createServer({ key: tls.key, cert: tls.cert }, targetHandler(httpsStats));
  const killHttps = trackConnections(httpsServer, httpsStats);
  httpsServer.on("secureConnection", (s) => {
    httpsStats.handshakes++;
    const p = s.alpnProtocol || "none";
    httpsStats.alpn[p] = (httpsStats.alpn[p] ?? 0) + 1;
  });
  httpsServer.on("tlsClientError", (err) => {
    if (httpsStats.tlsErrors.length < 50) httpsStats.tlsErrors.push(err.code ? `${err.code}: ${err.message}` : err.message);
  });
  const echoServer = net.createServer((s) => {
    s.on("data", (d) => { echoStats.bytes += d.length; });
    s.pipe(s);
    s.on("error", () => {});
  });
  const killEcho = trackConnections(echoServer, echoStats);

  // Node closes idle keep-alive connections after 5 s by default. A client that reuses one just as it is closed
  // (e.g. after generating a 64 MiB body for a while) fails with "connection closed before message completed"
  // (hyper does not retry a POST); keep idle connections for the whole run instead: they are destroyed at the end.
  for (const srv of [httpServer, httpsServer]) {
    srv.keepAliveTimeout = timeoutMs;
    srv.headersTimeout = timeoutMs + 1000;
    srv.requestTimeout = 0;
  }
  const ports = { http: await listen(httpServer), https: await listen(httpsServer), echo: await listen(echoServer) };
  cleanups.push(async () => {
    for (const [srv, kill] of [[httpServer, killHttp], [httpsServer, killHttps], [echoServer, killEcho]]) {
      kill();
      await new Promise((r) => srv.close(() => r()));
    }
  });
  return { ports, httpStats, httpsStats, echoStats };
}

// ------------------------------------------------------------------------------------------------ static server
function packageDir(name) {
  const d = path.join(HERE, "node_modules", ...name.split("/"));
  if (!existsSync(path.join(d, "package.json"))) throw new Error(`${d} is missing: run npm ci in ${HERE}`);
  return { dir: d, version: JSON.parse(readFileSync(path.join(d, "package.json"), "utf8")).version };
}

async function startStatic() {
  const epoxy = packageDir("@mercuryworkshop/epoxy-tls");
  const libcurl = packageDir("libcurl.js");
  // exactly these files, nothing else
  const files = new Map([
    ["/", path.join(HERE, "page", "index.html")],
    ["/index.html", path.join(HERE, "page", "index.html")],
    ["/harness.mjs", path.join(HERE, "page", "harness.mjs")],
    ["/pkg/epoxy/epoxy.js", path.join(epoxy.dir, "full", "epoxy.js")],
    ["/pkg/epoxy/epoxy.wasm", path.join(epoxy.dir, "full", "epoxy.wasm")],
    ["/pkg/libcurl/libcurl.mjs", path.join(libcurl.dir, "libcurl.mjs")],
    ["/pkg/libcurl/libcurl.wasm", path.join(libcurl.dir, "libcurl.wasm")],
  ]);
  for (const f of files.values()) statSync(f);
  const types = { ".html": "text/html; charset=utf-8", ".mjs": "text/javascript", ".js": "text/javascript",
    ".wasm": "application/wasm" };
  const served = [];
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, "http://x").pathname;
    const f = files.get(p);
    if (p === "/favicon.ico") { res.writeHead(204); res.end(); return; }   // browsers ask; keep the console clean
    served.push(`${req.method} ${p} ${f ? 200 : 404}`);
    if (!f || req.method !== "GET") { res.writeHead(404); res.end(); return; }
    const body = readFileSync(f);
    res.writeHead(200, { "Content-Type": types[path.extname(f)], "Content-Length": body.length,
      "Cache-Control": "no-store" });
    res.end(body);
  });
  const kill = trackConnections(server, { connections: 0 });
  const port = await listen(server);
  cleanups.push(async () => { kill(); await new Promise((r) => server.close(() => r())); });
  return { origin: `http://127.0.0.1:${port}`, served, versions: { epoxy: epoxy.version, libcurl: libcurl.version } };
}

// --------------------------------------------------------------------------------------------------- the checks
function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]);
}

const SIZE = (mib) => `${mib}MiB`;

/** The list of checks for one client: name, page check, args, and a judge(result) -> {ok, detail}. */
function plan(client, t) {
  const H = "127.0.0.1";
  const httpBase = `http://${H}:${t.ports.http}`;
  const httpsBase = `https://${H}:${t.ports.https}`;
  const steps = [];
  const downloadJudge = (n, seed) => (r) => ({
    ok: r.status === 200 && r.length === n && r.sha256 === expectedSha256(n, seed),
    expect: { length: n, sha256: expectedSha256(n, seed) },
  });
  const uploadJudge = (n, seed) => (r) => ({
    ok: r.status === 200 && r.server?.length === n && r.server?.sha256 === expectedSha256(n, seed),
    expect: { length: n, sha256: expectedSha256(n, seed) },
  });
  const tlsRejectJudge = (before) => async (r) => {
    // the target notices the aborted handshake a moment after the client reports the error
    for (let i = 0; i < 10 && t.httpsStats.tlsErrors.length === before.errors; i++) await new Promise((res) => setTimeout(res, 50));
    const newErrors = t.httpsStats.tlsErrors.slice(before.errors);
    // Required: the client refused the certificate (which it could only do after the server's first flight came
    // back through Wisp intact) and the target saw the TCP connection. The TLS alert is reported, not required:
    // libcurl (mbedTLS) sends "unknown ca"; epoxy (rustls) sends no alert and no Wisp CLOSE (see README-notes.md).
    return {
      ok: r.rejected === true && /certificate|UnknownIssuer|unknown ?ca|error code 60|verif|peer/i.test(r.rejection ?? "")
        && t.httpsStats.connections > before.connections,
      server_saw: { tcp_connections: t.httpsStats.connections - before.connections, tls_client_errors: newErrors },
    };
  };

  if (client === "libcurl") {
    // libcurl.js has no CA/insecure option: first show that it really rejects the test certificate (and that the TLS
    // handshake reached the target through Wisp), then inject the test CA into its in-memory bundle (see harness).
    steps.push({ name: "https-untrusted-rejected", page: "untrustedHttps",
      args: { url: `${httpsBase}/data?n=1024&seed=untrusted` }, judgeFactory: () => {
        const before = { connections: t.httpsStats.connections, errors: t.httpsStats.tlsErrors.length };
        return tlsRejectJudge(before);
      } });
    steps.push({ name: "tls-test-ca-injected", page: "injectCa", args: {},
      judge: (r) => ({ ok: !r.error && r.replaced_cert_index >= 0 }) });
  } else {
    steps.push({ name: "https-untrusted-rejected", page: "untrustedHttps",
      args: { url: `${httpsBase}/data?n=1024&seed=untrusted` }, judgeFactory: () => {
        const before = { connections: t.httpsStats.connections, errors: t.httpsStats.tlsErrors.length };
        return tlsRejectJudge(before);
      } });
  }

  for (const [proto, base] of [["http", httpBase], ["https", httpsBase]]) {
    for (const mib of sizesMiB) {
      const n = mib * MiB, seed = `${proto}-download-${mib}`;
      steps.push({ name: `${proto}-download-${SIZE(mib)}`, page: "download",
        args: { url: `${base}/data?n=${n}&seed=${seed}` }, judge: downloadJudge(n, seed), warm: () => expectedSha256(n, seed) });
    }
    for (const mib of sizesMiB) {
      const n = mib * MiB, seed = `${proto}-upload-${mib}`;
      steps.push({ name: `${proto}-upload-${SIZE(mib)}`, page: "upload",
        args: { url: `${base}/upload`, n, seed }, judge: uploadJudge(n, seed), warm: () => expectedSha256(n, seed) });
    }
    const urls = [], seeds = [];
    for (let i = 0; i < parallelN; i++) {
      seeds.push(`${proto}-parallel-${i}`);
      urls.push(`${base}/data?n=${parallelBytes}&seed=${seeds[i]}`);
    }
    steps.push({ name: `${proto}-parallel-${parallelN}`, page: "parallel", args: { urls },
      warm: () => seeds.forEach((s) => expectedSha256(parallelBytes, s)),
      judge: (r) => {
        const bad = r.results.map((x, i) => (x.status === 200 && x.length === parallelBytes
          && x.sha256 === expectedSha256(parallelBytes, seeds[i]) ? null : { i, ...x })).filter(Boolean);
        return { ok: r.results.length === parallelN && bad.length === 0, failed: bad.slice(0, 5) };
      } });
  }

  if (client === "epoxy") {
    // epoxy speaks v1 by default (EpoxyClientOptions.wisp_v2 = false); with wisp_v2 = true it offers a random UUID as
    // Sec-WebSocket-Protocol and runs the v2 handshake. A separate client covers the setting the main one does not use.
    const n = MiB, seed = "other-version-upload", dseed = "other-version-download";
    steps.push({ name: `epoxy-wisp-${epoxyWispV2 ? "v1" : "v2"}-client`, page: "otherVersionProbe",
      warm: () => { expectedSha256(n, seed); expectedSha256(n, dseed); },
      args: { downloadUrl: `${httpBase}/data?n=${n}&seed=${dseed}`, uploadUrl: `${httpsBase}/upload`, n, seed,
        echoHost: H, echoPort: t.ports.echo },
      judge: (r) => {
        const ws = r.websockets?.[0];
        const first = ws?.first_packets?.[0]?.type;
        const v2 = !epoxyWispV2;
        return {
          // v2: a subprotocol offered and echoed, then either INFO (v2 server) or CONTINUE (v1 server, fallback)
          ok: !r.error && r.websockets?.length === 1 && r.download?.status === 200 && r.download.length === n
            && r.download.sha256 === expectedSha256(n, dseed) && r.upload?.server?.length === n
            && r.upload.server.sha256 === expectedSha256(n, seed) && r.echo_ok === true
            && (v2 ? ws.offered.length === 1 && ws.selected === ws.offered[0] && (first === 5 || first === 3)
              : ws.offered.length === 0 && first === 3),
          negotiated: first === 5 ? "v2 (server sent INFO first)" : first === 3 ? "v1 (server sent CONTINUE first)" : null,
        };
      } });
  }

  steps.push({ name: "tcp-echo", page: "tcpEcho",
    args: { host: H, port: t.ports.echo, small: 50, bulkBytes: echoBytes, chunkBytes: 16 * 1024 },
    warm: () => expectedSha256(echoBytes, "tcp-echo-bulk"),
    judge: (r) => ({ ok: r.mismatches?.length === 0 && r.sha256_received === expectedSha256(echoBytes, "tcp-echo-bulk") }) });

  // A big POST while, on the same Wisp WebSocket, an echo stream does sequential 1 KiB round trips and small GETs
  // loop. libcurl (64 KiB DATA messages, credit respected) must complete >= --min-during echo round trips during the
  // upload. epoxy puts the whole body into the WebSocket at once: over HTTP as ONE 67,109,157-byte message, over
  // HTTPS as 4096 16 KiB messages sent without waiting for CONTINUE credit. Other streams' packets then queue behind
  // up to 64 MiB in the browser, so how many round trips complete during the upload is up to the client, not the
  // server: for epoxy the threshold is --min-during-epoxy (default 0, i.e. reported only); every echo and GET must
  // still be correct and at least one of each must complete.
  const concurrent = client === "epoxy" ? [["http", httpBase, minDuringEpoxy], ["https", httpsBase, minDuringEpoxy]]
    : [["http", httpBase, minDuring]];
  for (const [proto, base, minEcho] of concurrent) {
    const n = bigMiB * MiB, seed = `${proto}-concurrent-upload-${bigMiB}`;
    const getBytes = 16 * 1024, getSeed = "small-get";
    steps.push({ name: `${proto}-upload-${SIZE(bigMiB)}-while-streaming`, page: "uploadWhileStreaming",
      warm: () => { expectedSha256(n, seed); expectedSha256(getBytes, getSeed); },
      argsFn: () => ({ uploadUrl: `${base}/upload`, n, seed, echoHost: H, echoPort: t.ports.echo, echoSize: 1024,
        getUrl: `${httpBase}/data?n=${getBytes}&seed=${getSeed}`, getBytes, getSha256: expectedSha256(getBytes, getSeed) }),
      judge: (r) => ({
        ok: r.warmup_ok && r.errors.length === 0 && r.upload.status === 200 && r.upload.server?.length === n
          && r.upload.server?.sha256 === expectedSha256(n, seed) && r.echo.during >= minEcho
          && r.gets.during >= Math.min(1, minEcho) && r.echo.during + r.echo.after >= 1
          && r.gets.during + r.gets.after >= 1,
        completed_during_upload: { echo_round_trips: r.echo.during, small_gets: r.gets.during,
          longest_echo_round_trip_ms: r.echo.max_ms, upload_ms: r.upload.ms },
        min_echo_round_trips: minEcho,
      }) });
  }
  return steps;
}

async function openClientPage(context, client, origin, tls, pageErrors) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (pageErrors.console++ < 400) log(`[page:${client}] ${m.type()}: ${m.text().slice(0, 500)}`);
  });
  page.on("pageerror", (e) => { pageErrors.errors.push(String(e).slice(0, 500)); log(`[page:${client}] pageerror: ${e}`); });
  page.on("crash", () => { pageErrors.errors.push("page crashed"); log(`[page:${client}] CRASHED`); });
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin + "/") && !u.startsWith("data:") && !u.startsWith("blob:")) pageErrors.external.push(u);
  });
  await page.goto(`${origin}/index.html?client=${client}`, { timeout: 30_000 });
  await page.waitForFunction(() => !!window.harness, null, { timeout: 30_000 });
  const info = await withTimeout(page.evaluate((o) => window.harness.init(o),
    { wispUrl, caPem: tls.caPem, epoxyWispV2 }), 60_000, "client init");
  return { page, info };
}

async function runClient(client, context, origin, tls, targets) {
  const pageErrors = { console: 0, errors: [], external: [] };
  let page, info;
  const t0 = Date.now();
  try {
    ({ page, info } = await openClientPage(context, client, origin, tls, pageErrors));
    record(client, "init", true, Date.now() - t0, info);
  } catch (e) {
    record(client, "init", false, Date.now() - t0, { error: String(e.message ?? e), page_errors: pageErrors.errors });
    return;
  }
  let broken = null;
  const wsReports = [];
  for (const step of plan(client, targets)) {
    if (only && !only.test(step.name)) continue;
    if (broken) { record(client, step.name, false, 0, { skipped: `client unusable after: ${broken}` }); continue; }
    if (step.warm) step.warm();   // expected hashes are computed before the clock starts
    const judge = step.judgeFactory ? step.judgeFactory() : step.judge;
    const stepArgs = step.argsFn ? step.argsFn() : step.args;
    const s0 = Date.now();
    try {
      const out = await withTimeout(page.evaluate(([n, a]) => window.harness.run(n, a), [step.page, stepArgs]),
        checkTimeoutMs, step.name);
      const r = out.result;
      let verdict;
      if (r && r.error) verdict = { ok: false };
      else {
        try { verdict = await judge(r); } catch (e) { verdict = { ok: false, judge_error: String(e) }; }
      }
      const { ok, ...extra } = verdict;
      record(client, step.name, ok, Date.now() - s0, { ...extra, result: r, page_ms: out.page_ms, ws: out.ws,
        ...(out.libcurl_log?.length ? { libcurl_log: out.libcurl_log.slice(0, 20) } : {}) });
    } catch (e) {
      const ms = Date.now() - s0;
      let progress = null;
      try {
        progress = await withTimeout(page.evaluate(() => window.harness.progress()), 5000, "progress");
        wsReports.push(...await withTimeout(page.evaluate(() => window.harness.wsReport()), 5000, "wsReport"));
      } catch (e2) { progress = { unavailable: String(e2.message ?? e2) }; }
      record(client, step.name, false, ms, { error: String(e.message ?? e), progress,
        page_errors: pageErrors.errors.slice(-5) });
      // the page may still be busy with the timed-out check: start over with a fresh page and client
      try {
        await page.close();
        ({ page } = await openClientPage(context, client, origin, tls, pageErrors));
        log(`${client}: page reloaded after ${step.name}`);
      } catch (e2) {
        broken = `${step.name} (reload failed: ${e2.message ?? e2})`;
      }
    }
  }
  // what the page saw of the Wisp WebSockets
  try {
    const sockets = [...wsReports, ...await withTimeout(page.evaluate(() => window.harness.wsReport()), 10_000, "wsReport")];
    const wisp = await withTimeout(page.evaluate(() => window.harness.wispConnections()), 10_000, "wispConnections");
    // epoxy: the main client + the separate clients of https-untrusted-rejected and epoxy-wisp-v*-client;
    // libcurl: one shared connection.
    // A page reload after a timed-out check starts new clients, hence new WebSockets.
    const reloads = results.filter((r) => r.client === client && r.detail?.progress !== undefined).length;
    const expectedMax = (client === "epoxy" ? 3 : 1) * (1 + reloads);
    const unexpectedClose = sockets.filter((s) => s.close !== null || s.errors > 0 || s.opened_ms === null);
    record(client, "wisp-websockets", sockets.length >= 1 && sockets.length <= expectedMax
      && unexpectedClose.length === 0 && pageErrors.external.length === 0, 0, {
      expected_websockets_max: expectedMax, websockets: sockets, libcurl_wisp_connections: wisp,
      non_loopback_requests: pageErrors.external, page_errors: pageErrors.errors });
  } catch (e) {
    record(client, "wisp-websockets", false, 0, { error: String(e.message ?? e) });
  }
  await page.close().catch(() => {});
}

/** A plain TCP connect (no WebSocket, so the server's session counters are untouched): fail fast, not per check. */
function tcpReachable(host, port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, timeout: 5000 }, () => { s.destroy(); resolve(); });
    s.on("timeout", () => { s.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); });
    s.on("error", reject);
  });
}

// --------------------------------------------------------------------------------------------------------- main
async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wisp-browser-clients-"));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  let tls, targets, stat, chromium;
  try { tls = makeCerts(tmp); } catch (e) { return setupFailed("test certificates (openssl)", e); }
  try {
    targets = await startTargets(tls);
    stat = await startStatic();
  } catch (e) { return setupFailed("loopback servers", e); }
  try {
    await tcpReachable(parsedUrl.hostname, Number(parsedUrl.port || 80));
  } catch (e) { return setupFailed(`Wisp server ${wispUrl} not reachable`, e.message ?? e); }
  if (!existsSync(chromiumPath)) {
    return setupFailed("chromium", `${chromiumPath} not found (Debian: apt-get install -y chromium)`);
  }
  try {
    ({ chromium } = await import("playwright-core"));
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, timeout: 60_000,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
    cleanups.push(async () => browser.close());
  } catch (e) { return setupFailed("launching chromium", e); }
  const pw = JSON.parse(readFileSync(path.join(HERE, "node_modules", "playwright-core", "package.json"), "utf8")).version;
  record(null, "setup", true, Date.now() - started, {
    wisp_url: wispUrl, browser: `chromium ${browser.version()}`, playwright_core: pw, node: process.versions.node,
    packages: stat.versions, targets: targets.ports, static_origin: stat.origin, sizes_mib: sizesMiB,
    check_timeout_ms: checkTimeoutMs, timeout_ms: timeoutMs, epoxy_wisp_v2: epoxyWispV2 });

  for (const client of clients) {
    const context = await browser.newContext();
    log(`${client}: start`);
    await runClient(client, context, stat.origin, tls, targets);
    await context.close().catch(() => {});
    log(`${client}: done`);
  }
  record(null, "targets", true, 0, { http: targets.httpStats, https: targets.httpsStats, echo: targets.echoStats,
    static_requests: stat.served.length, static_404: stat.served.filter((s) => s.endsWith(" 404")) });
  if (stopping) return;   // the overall timeout owns the exit
  const ok = summary();
  clearTimeout(overall);
  await cleanup();
  process.exit(ok ? 0 : 1);
}

main().catch(async (e) => {
  if (stopping) return;
  record(null, "internal-error", false, Date.now() - started, { error: String(e?.stack ?? e) });
  summary();
  await cleanup();
  process.exit(1);
});
