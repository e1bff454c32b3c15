// Opens the Wisp status page (/<ctx>/status) in Debian's headless Chromium (playwright-core, executablePath
// /usr/bin/chromium; no Playwright browser is ever downloaded) with the stats token as HTTP credentials, and answers
// commands from the Java test (StatusPageChecks) one JSON line each: the test changes the server's state through real
// Wisp traffic between commands, and compares the page's figures with the statistics JSON it fetches itself.
//
//   node status-page.mjs http://127.0.0.1:PORT/wisp/status --user ops --password TOKEN [--chromium /usr/bin/chromium]
//        [--timeout-ms 120000]
//
// stdout: one JSON object per line, first {"event":"ready",...} once the page rendered its first figures, then one
// answer per command. stdin: one command per line:
//   {"cmd":"figures"}                     figures of the first render whose fetch started after the command arrived
//   {"cmd":"await","stat":K,"value":V,"timeoutMs":N}   until the page shows V for data-stat K (or the deadline)
//   {"cmd":"screenshot","path":P}         a full-page PNG
//   {"cmd":"report"}                      requests to other origins, console errors, page errors, CSP violations
//   {"cmd":"awaitError","timeoutMs":N}    until the page shows its error state (the test made /stats fail)
//   {"cmd":"quit"}                        close the browser and exit 0 (so does the end of stdin)
// Exit code: 0 quit; 2 the overall timeout hit; 3 bad arguments; 4 setup failed (Chromium, the page never rendered).

import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function parseArgs(argv) {
  const out = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      if (i + 1 >= argv.length) usage(`missing value for ${a}`);
      out[a.slice(2)] = argv[++i];
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

function usage(message) {
  emit({ event: "arguments", ok: false, error: message });
  process.exit(3);
}

const args = parseArgs(process.argv.slice(2));
for (const k of Object.keys(args)) {
  if (!["positional", "user", "password", "chromium", "timeout-ms"].includes(k)) usage(`unknown option --${k}`);
}
if (args.positional.length !== 1) usage("exactly one page URL is required");
const pageUrl = new URL(args.positional[0]);
const origin = pageUrl.origin;
const timeoutMs = Number(args["timeout-ms"] ?? 120_000);
if (!Number.isInteger(timeoutMs) || timeoutMs < 1000) usage(`--timeout-ms must be an integer >= 1000`);
const chromiumPath = args.chromium ?? "/usr/bin/chromium";

let browser = null;
async function finish(code) {
  if (browser) {
    try {
      await browser.close();
    } catch {
      // closing a browser that is already gone
    }
  }
  process.exit(code);
}

const overall = setTimeout(() => {
  emit({ event: "timeout", ok: false, ms: Date.now() - started });
  finish(2);
}, timeoutMs);

const requests = [];
const consoleErrors = [];
const pageErrors = [];

async function setup() {
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, timeout: 60_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
  const context = await browser.newContext({
    httpCredentials: { username: args.user ?? "", password: args.password ?? "" },
    viewport: { width: 1280, height: 900 },
  });
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleErrors.push({ type: m.type(), text: m.text() });
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI });
    });
  });
  const response = await page.goto(pageUrl.href, { waitUntil: "load", timeout: 30_000 });
  await page.waitForFunction(() => document.body.dataset.state === "ok", null, { timeout: 30_000 });
  return { page, status: response.status(), headers: await response.allHeaders(), browserVersion: browser.version() };
}

async function figures(page) {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll("[data-stat]")) out[el.dataset.stat] = el.textContent.trim();
    const chart = document.getElementById("chart");
    const error = document.getElementById("error");
    return {
      figures: out,
      state: document.body.dataset.state,
      updates: Number(document.body.dataset.updates || 0),
      updated: document.getElementById("updated").textContent,
      chartSamples: Number(chart.dataset.samples),
      chartLast: chart.dataset.last,
      chartPolylines: chart.querySelectorAll("polyline").length,
      chartPoints: Array.from(chart.querySelectorAll("polyline")).map((p) => p.points.numberOfItems),
      errorVisible: !error.hidden,
      errorText: error.textContent,
    };
  });
}

async function run(page, command) {
  const t0 = Date.now();
  switch (command.cmd) {
    case "figures": {
      const now = await page.evaluate(() => Date.now());
      await page.waitForFunction((after) => document.body.dataset.state === "ok"
        && Number(document.body.dataset.fetchStarted) > after, now, { timeout: 15_000 });
      return { event: "figures", ok: true, ms: Date.now() - t0, ...(await figures(page)) };
    }
    case "await": {
      try {
        await page.waitForFunction(([stat, value]) => Array.from(document.querySelectorAll("[data-stat]"))
          .some((el) => el.dataset.stat === stat && el.textContent.trim() === value),
        [command.stat, command.value], { timeout: command.timeoutMs ?? 15_000, polling: 50 });
        return { event: "await", ok: true, ms: Date.now() - t0, ...(await figures(page)) };
      } catch (e) {
        return { event: "await", ok: false, ms: Date.now() - t0, error: String(e), ...(await figures(page)) };
      }
    }
    case "screenshot": {
      const png = await page.screenshot({ path: command.path, fullPage: true });
      return { event: "screenshot", ok: true, ms: Date.now() - t0, bytes: png.length };
    }
    case "report": {
      return {
        event: "report", ok: true, ms: Date.now() - t0, origin, requests: requests.length,
        foreignRequests: requests.filter((u) => new URL(u).origin !== origin),
        requestedPaths: [...new Set(requests.map((u) => new URL(u).pathname))].sort(),
        consoleErrors, pageErrors, cspViolations: await page.evaluate(() => window.__cspViolations),
      };
    }
    case "awaitError": {
      try {
        await page.waitForFunction(() => document.body.dataset.state === "error"
          && !document.getElementById("error").hidden, null, { timeout: command.timeoutMs ?? 15_000 });
        return { event: "awaitError", ok: true, ms: Date.now() - t0, ...(await figures(page)) };
      } catch (e) {
        return { event: "awaitError", ok: false, ms: Date.now() - t0, error: String(e), ...(await figures(page)) };
      }
    }
    default:
      return { event: "unknown", ok: false, error: `unknown command ${JSON.stringify(command)}` };
  }
}

let session;
try {
  session = await setup();
} catch (e) {
  emit({ event: "setup", ok: false, error: String(e), consoleErrors, pageErrors, requests });
  await finish(4);
}
const pw = JSON.parse(readFileSync(path.join(HERE, "node_modules", "playwright-core", "package.json"), "utf8")).version;
emit({ event: "ready", ok: true, ms: Date.now() - started, status: session.status,
  csp: session.headers["content-security-policy"] ?? null, browser: `chromium ${session.browserVersion}`,
  playwrightCore: pw, ...(await figures(session.page)) });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let command;
  try {
    command = JSON.parse(line);
  } catch {
    emit({ event: "unknown", ok: false, error: `not JSON: ${line}` });
    continue;
  }
  if (command.cmd === "quit") break;
  try {
    emit(await run(session.page, command));
  } catch (e) {
    emit({ event: command.cmd, ok: false, error: String(e) });
  }
}
clearTimeout(overall);
await finish(0);
