// The Wisp status page: polls the statistics JSON (./stats, same origin, same credentials as the page) every two
// seconds and shows it. No inline code (the page's Content-Security-Policy forbids it), nothing from other origins,
// text only through textContent. The chart is inline SVG drawn here from the server's throughput history.
"use strict";

(() => {
  const POLL_MS = 2000;
  const FETCH_TIMEOUT_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";
  const CHART = { width: 760, height: 220, left: 64, right: 8, top: 10, bottom: 24 };
  const number = new Intl.NumberFormat("en-US");
  const body = document.body;
  let lastSuccess = null;

  const exact = (n) => number.format(n);

  function human(bytes) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let v = bytes;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (u === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + " " + units[u];
  }

  const clock = (date) => date.toLocaleTimeString("en-GB", { hour12: false });

  function setStat(name, text) {
    for (const el of document.querySelectorAll("[data-stat]")) {
      if (el.dataset.stat === name) el.textContent = text;
    }
  }

  function setHuman(name, bytes) {
    for (const el of document.querySelectorAll("[data-human]")) {
      if (el.dataset.human === name) el.textContent = human(bytes);
    }
  }

  /** Rows of a map (reason → count), sorted by name; an empty map shows its "none yet" line. */
  function setMap(name, map) {
    const tbody = document.querySelector(`tbody[data-map="${name}"]`);
    const rows = Object.keys(map).sort().map((key) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = key;
      const td = document.createElement("td");
      td.dataset.stat = name + "." + key;
      td.textContent = exact(map[key]);
      tr.append(th, td);
      return tr;
    });
    tbody.replaceChildren(...rows);
    document.querySelector(`[data-empty="${name}"]`).hidden = rows.length > 0;
  }

  function render(s) {
    setStat("version", s.version);
    for (const key of ["sessions", "streams", "streamsOpened", "bytesFromClients", "bytesToClients", "bufferedBytes",
      "bufferedBytesPeak", "serverByteBudget", "connectionByteBudget", "streamByteBudget", "pooledBytes",
      "readsPaused", "threads", "sockets", "udpDatagramsDropped"]) {
      setStat(key, exact(s[key]));
    }
    for (const type of Object.keys(s.streamsByType)) setStat("streamsByType." + type, exact(s.streamsByType[type]));
    for (const type of Object.keys(s.streamsOpenedByType)) {
      setStat("streamsOpenedByType." + type, exact(s.streamsOpenedByType[type]));
    }
    setHuman("bytesFromClients", s.bytesFromClients);
    setHuman("bytesToClients", s.bytesToClients);
    setHuman("serverByteBudget", s.serverByteBudget);
    setMap("closesByReason", s.closesByReason);
    setMap("limitsTripped", s.limitsTripped);
    setMap("readPauses", s.readPauses);
    const meter = document.getElementById("buffered");
    meter.max = Math.max(1, s.serverByteBudget);
    meter.value = s.bufferedBytes;
    meter.title = human(s.bufferedBytes) + " of " + human(s.serverByteBudget);
    drawHistory(s.history);
  }

  function svg(name, attributes, text) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /**
   * The y axis for rates up to {@code v} bytes/s: a binary unit (at least KiB/s) and a round top (1, 2, 4, 5 or 8
   * times a power of ten of that unit) at least {@code v}.
   */
  function rateScale(v) {
    const units = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"];
    let u = 1;
    let div = 1024;
    while (v / div >= 1000 && u < units.length - 1) {
      div *= 1024;
      u++;
    }
    const x = Math.max(v / div, 1);
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    const top = [1, 2, 4, 5, 8, 10].map((k) => k * p).find((c) => c >= x);
    return { max: top * div, div, unit: units[u] };
  }

  const axisLabel = (v, scale) => String(Number((v / scale.div).toFixed(2))) + " " + scale.unit;

  function drawHistory(h) {
    const chart = document.getElementById("chart");
    const title = chart.querySelector("title");
    const n = h.time.length;
    const seconds = h.intervalMillis / 1000;
    const windowMs = h.capacity * h.intervalMillis;
    document.getElementById("window").textContent = Math.round(windowMs / 60000) + " minutes";
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    setStat("history.bytesFromClients", exact(sum(h.bytesFromClients)));
    setStat("history.bytesToClients", exact(sum(h.bytesToClients)));
    // bytes per second over each sample's real interval (a late sample covers more than intervalMillis)
    const spans = h.time.map((t, i) => (i > 0 ? Math.max(t - h.time[i - 1], h.intervalMillis / 2) : h.intervalMillis)
      / 1000);
    const rates = (a) => a.map((b, i) => b / spans[i]);
    const from = rates(h.bytesFromClients);
    const to = rates(h.bytesToClients);
    const rateFrom = n ? from[n - 1] : 0;
    const rateTo = n ? to[n - 1] : 0;
    document.getElementById("rate-from").textContent = human(Math.round(rateFrom)) + "/s";
    document.getElementById("rate-to").textContent = human(Math.round(rateTo)) + "/s";
    chart.dataset.samples = String(n);
    chart.dataset.last = n ? String(h.time[n - 1]) : "";

    const parts = [title];
    const { width, height, left, right, top, bottom } = CHART;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const scale = rateScale(Math.max(0, ...from, ...to));
    const max = scale.max;
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      parts.push(svg("line", { class: "grid", x1: left, x2: width - right, y1: y, y2: y }));
      parts.push(svg("text", { class: "axis", x: left - 6, y: y + 4, "text-anchor": "end" },
        axisLabel((max * i) / 4, scale)));
    }
    const minutes = Math.round(windowMs / 60000);
    parts.push(svg("text", { class: "axis", x: left, y: height - 6 }, "−" + minutes + " min"));
    parts.push(svg("text", { class: "axis", x: width - right, y: height - 6, "text-anchor": "end" }, "last sample"));
    if (n === 0) {
      parts.push(svg("text", { class: "note", x: left + plotW / 2, y: top + plotH / 2, "text-anchor": "middle" },
        "no samples yet: the server takes one every " + seconds + " s"));
    } else {
      const end = h.time[n - 1];
      const x = (t) => left + plotW * Math.max(0, 1 - (end - t) / windowMs);
      const y = (v) => top + plotH - (plotH * v) / max;
      for (const [cls, values] of [["from", from], ["to", to]]) {
        const points = values.map((v, i) => x(h.time[i]).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
        parts.push(svg("polyline", { class: cls, points }));
        if (n === 1) parts.push(svg("circle", { class: cls, cx: x(h.time[0]), cy: y(values[0]), r: 3 }));
      }
    }
    chart.replaceChildren(...parts);
  }

  function showError(message) {
    body.dataset.state = "error";
    const error = document.getElementById("error");
    error.textContent = "Update failed at " + clock(new Date()) + ": " + message
      + (lastSuccess ? ". The figures below are from " + clock(lastSuccess) + "." : ". No figures yet.");
    error.hidden = false;
  }

  /** One round: fetch, parse, render; every failure is shown as what it was. Schedules the next round. */
  async function poll() {
    const started = Date.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      let response;
      try {
        response = await fetch("stats", {
          cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" }, signal: abort.signal,
        });
      } catch (e) {
        showError(e.name === "AbortError" ? "no answer within " + FETCH_TIMEOUT_MS / 1000 + " s"
          : "the server cannot be reached");
        return;
      }
      if (!response.ok) {
        showError("HTTP " + response.status + (response.statusText ? " " + response.statusText : ""));
        return;
      }
      let stats;
      try {
        stats = await response.json();
      } catch (e) {
        showError("the answer is not JSON");
        return;
      }
      try {
        render(stats);
      } catch (e) {
        showError("the answer cannot be shown (" + e.message + ")");
        return;
      }
      lastSuccess = new Date();
      body.dataset.state = "ok";
      body.dataset.fetchStarted = String(started);
      body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
      document.getElementById("error").hidden = true;
      document.getElementById("updated").textContent = "updated " + clock(lastSuccess) + ", every "
        + POLL_MS / 1000 + " s";
    } finally {
      clearTimeout(timer);
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
