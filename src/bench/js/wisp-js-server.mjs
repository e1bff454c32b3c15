// The reference server for the benchmark: @mercuryworkshop/wisp-js's own Wisp server on Node's http + ws, on
// 127.0.0.1 only, allowed to dial loopback (the benchmark's targets). Started and stopped by BenchRunner; exits by
// itself after --max-seconds. Logging is at WARN, so per-connection lines do not cost throughput.
//
//   node wisp-js-server.mjs --port 18081 [--max-seconds 3600]

import http from "node:http";
import { server as wisp, logging } from "@mercuryworkshop/wisp-js/server";

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf("--" + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const port = Number(arg("port", "18081"));
const maxSeconds = Number(arg("max-seconds", "3600"));

logging.set_level(logging.WARN);
wisp.options.allow_loopback_ips = true;
wisp.options.allow_private_ips = true;

const httpServer = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("wisp-js benchmark server\n");
});
httpServer.on("upgrade", (req, socket, head) => {
  wisp.routeRequest(req, socket, head);
});
httpServer.listen(port, "127.0.0.1", () => {
  console.error(`[wisp-js] listening on ws://127.0.0.1:${port}/ (node ${process.versions.node})`);
});
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
