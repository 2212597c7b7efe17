/**
 * The inspector page: one self-contained document (inline CSS and script, no external resource, so it
 * works offline and under a strict CSP). Data arrive from `/__sora/inspector/events`; every value is put
 * in the DOM through textContent or attributes, never parsed as HTML.
 */
export const INSPECTOR_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sora-kit inspector</title>
<style>
  :root { --fg: #1d1d1f; --muted: #6b6b70; --line: #e3e3e8; --ok: #16794c; --warn: #a15c00; --bad: #b3261e; --accent: #3b5bdb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fafafa; }
  header { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: baseline; padding: 0.9rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.1rem; margin: 0; }
  header .facts { color: var(--muted); display: flex; gap: 1.2rem; flex-wrap: wrap; }
  #connection[data-state="live"] { color: var(--ok); }
  #connection[data-state="offline"] { color: var(--bad); }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 1rem 1.5rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 1rem; min-width: 0; }
  section h2 { font-size: 0.95rem; margin: 0 0 0.6rem; }
  .wide { grid-column: 1 / -1; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 0.25rem 0.5rem 0.25rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; }
  td.path { font-family: ui-monospace, monospace; font-size: 12.5px; word-break: break-all; }
  .status-2 { color: var(--ok); } .status-3 { color: var(--accent); } .status-4 { color: var(--warn); } .status-5 { color: var(--bad); }
  .empty { color: var(--muted); font-style: italic; }
  .jobs { display: grid; gap: 0.8rem; }
  .job { display: grid; grid-template-columns: 1fr auto; gap: 0.3rem 1rem; border-bottom: 1px solid var(--line); padding-bottom: 0.7rem; }
  .job .id { font-family: ui-monospace, monospace; font-size: 12.5px; }
  .job .meta { color: var(--muted); }
  progress { width: 100%; height: 0.6rem; grid-column: 1 / -1; }
  .job .media { grid-column: 1 / -1; display: flex; gap: 0.8rem; align-items: flex-start; flex-wrap: wrap; }
  .job img, .job video { max-height: 180px; max-width: 100%; background: #eee; border-radius: 4px; }
  .job .error { grid-column: 1 / -1; color: var(--bad); }
  .images { display: flex; flex-wrap: wrap; gap: 0.6rem; }
  .images img { height: 120px; border-radius: 4px; background: #eee; }
  ul.plain { list-style: none; padding: 0; margin: 0; }
  ul.plain li { padding: 0.2rem 0; }
  code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
  .snippet { position: relative; margin-bottom: 0.8rem; }
  .snippet h3 { font-size: 0.85rem; margin: 0 0 0.3rem; color: var(--muted); font-weight: 500; }
  .snippet pre { background: #f3f3f6; padding: 0.6rem 0.7rem; border-radius: 6px; overflow-x: auto; margin: 0; white-space: pre; }
  .snippet button { position: absolute; top: 1.6rem; right: 0.4rem; font: inherit; font-size: 12px; padding: 0.1rem 0.5rem; cursor: pointer; }
  .tag { display: inline-block; padding: 0 0.4rem; border-radius: 4px; background: #eef; font-size: 12px; }
  tr.request { cursor: pointer; }
  tr.request:hover { background: #f5f5fa; }
  tr.detail td { background: #f7f7fa; }
  tr.detail pre { margin: 0.2rem 0 0.5rem; white-space: pre-wrap; word-break: break-all; max-height: 24rem; overflow: auto; }
  tr.detail h4 { margin: 0.3rem 0 0; font-size: 12px; color: var(--muted); font-weight: 500; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>sora-kit inspector</h1>
  <div class="facts">
    <span>API <code id="api-url">…</code></span>
    <span id="clock"></span>
    <span id="counts"></span>
    <span id="connection" data-state="connecting">connecting…</span>
  </div>
</header>
<main>
  <section id="requests-section">
    <h2>Recent requests</h2>
    <table>
      <thead><tr><th>time</th><th>method</th><th>path</th><th>status</th><th>ms</th><th>scenario</th><th>licence</th></tr></thead>
      <tbody id="requests"></tbody>
    </table>
    <p class="empty" id="requests-empty">No requests yet. Try a snippet on the right.</p>
  </section>
  <section id="jobs-section">
    <h2>Video jobs</h2>
    <div class="jobs" id="jobs"></div>
    <p class="empty" id="jobs-more" hidden></p>
    <p class="empty" id="jobs-empty">No video jobs yet.</p>
  </section>
  <section id="images-section">
    <h2>Generated images</h2>
    <div class="images" id="images"></div>
    <p class="empty" id="images-empty">No images yet.</p>
  </section>
  <section id="config-section">
    <h2>Licences</h2>
    <ul class="plain" id="licences"></ul>
    <h2 style="margin-top:1rem">Scenarios</h2>
    <p>Send <code>Prefer: scenario=&lt;name&gt;</code> with a request, or configure rules.</p>
    <ul class="plain" id="scenarios"></ul>
    <ul class="plain" id="scenario-rules"></ul>
    <h2 style="margin-top:1rem">Run-time faults</h2>
    <p>Added by tests with <code>mock.faults.add()</code> or <code>POST /__sora/faults</code>; newest first, after the <code>Prefer</code> header and before the rules.</p>
    <ul class="plain" id="faults"></ul>
    <p class="empty" id="faults-empty">No run-time faults.</p>
  </section>
  <section id="client-report-section" class="wide">
    <h2>Client report</h2>
    <p>What the clients did that a careful client does not (<code>GET /__sora/client-report</code>, <code>mock.clientReport()</code>): each rule, how often, one example request.</p>
    <table>
      <thead><tr><th>rule</th><th>count</th><th>what</th><th>example</th></tr></thead>
      <tbody id="client-report"></tbody>
    </table>
    <p class="empty" id="client-report-empty">No findings.</p>
  </section>
  <section id="snippets-section" class="wide">
    <h2>Try it against this instance</h2>
    <div id="snippets"></div>
  </section>
</main>
<script>
"use strict";
(function () {
  var MAX_REQUESTS = 200;
  // jobs: the newest ones only (the server sends a bounded list); jobCounts: all of them.
  var state = { requests: [], jobs: [], jobCounts: null, images: [], faults: [], now: 0, startedAt: 0 };
  // Rows a person opened stay open across re-renders.
  var open = {};
  var byId = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function time(ms) { return new Date(ms).toISOString().slice(11, 23); }

  function requestRow(r) {
    var status = String(r.status) + (r.error && r.error.code ? " " + r.error.code : "");
    var row = el("tr", { className: "request", "data-request-id": String(r.id), title: "show request and response" }, [
      el("td", { text: time(r.startedAt) }),
      el("td", { text: r.method }),
      el("td", { className: "path", text: r.path }),
      el("td", { className: "status-" + String(r.status).charAt(0), text: status }),
      el("td", { text: r.durationMs.toFixed(1) }),
      el("td", { text: (r.scenario || "") + (r.fault ? " (" + r.fault.id + ")" : "") }),
      el("td", { text: r.license || "" }),
    ]);
    row.addEventListener("click", function () {
      if (open[r.id]) delete open[r.id]; else open[r.id] = true;
      renderRequests();
    });
    return row;
  }

  function pretty(value) { return typeof value === "string" ? value : JSON.stringify(value, null, 2); }

  function detailRow(r) {
    var body = r.request && r.request.body;
    var bodyText = !body ? "(no body)" : body.kind === "json" ? pretty(body.value) : body.kind === "form"
      ? body.fields.map(function (f) { return f.file ? f.name + " = file " + f.file.filename + " (" + f.file.type + ", " + f.file.size + " bytes, sha256 " + f.file.sha256.slice(0, 16) + "…)" : f.name + " = " + f.value; }).join("\\n")
      : body.text;
    if (body && body.truncated) bodyText += "\\n… (cut)";
    var headers = r.request ? Object.keys(r.request.headers).map(function (k) { return k + ": " + r.request.headers[k]; }).join("\\n") : "";
    var outcome = ["status " + r.status];
    if (r.error) outcome.push("error " + [r.error.type, r.error.code, r.error.param ? "param " + r.error.param : ""].filter(Boolean).join(" · "));
    if (r.scenario) outcome.push("scenario " + r.scenario + (r.fault ? " (fault " + r.fault.id + ")" : ""));
    r.media.forEach(function (m) { outcome.push(m.variant + " " + m.path.replace(/[?&]via=inspector$/, "")); });
    return el("tr", { className: "detail", "data-detail-for": String(r.id) }, [el("td", { colspan: "7" }, [
      el("h4", { text: "request headers" }), el("pre", { className: "request-headers", text: headers }),
      el("h4", { text: "request body" + (body ? " (" + body.kind + ")" : "") }), el("pre", { className: "request-body", text: bodyText }),
      el("h4", { text: "response" }), el("pre", { className: "response", text: outcome.join("\\n") }),
    ])]);
  }

  function renderRequests() {
    var body = byId("requests");
    var rows = [];
    state.requests.forEach(function (r) { rows.push(requestRow(r)); if (open[r.id]) rows.push(detailRow(r)); });
    body.replaceChildren.apply(body, rows);
    byId("requests-empty").hidden = state.requests.length > 0;
  }

  // A scenario, or a network fault with its number when it has one (network.ts).
  function faultKind(f) {
    if (!f.network) return f.scenario;
    var n = f.bytes != null ? " " + f.bytes + " B" : f.ms != null ? " " + f.ms + " ms" : f.bytesPerSecond != null ? " " + f.bytesPerSecond + " B/s" : "";
    return "network " + f.network + n;
  }

  function renderFaults() {
    var list = byId("faults");
    list.replaceChildren.apply(list, state.faults.slice().reverse().map(function (f) {
      var where = [f.route || "every route", f.model ? "model " + f.model : ""].filter(Boolean).join(", ");
      var left = f.remaining === null ? "until removed" : f.remaining + " left";
      return el("li", { "data-fault-id": f.id }, [el("code", { text: f.id }), document.createTextNode(" "), el("span", { className: "tag", text: faultKind(f) }),
        document.createTextNode(" on " + where + " · " + left + " · fired " + f.hits + "×")]);
    }));
    byId("faults-empty").hidden = state.faults.length > 0;
  }

  function addImages(r) {
    r.media.forEach(function (m) {
      if (m.variant !== "image") return;
      if (state.images.some(function (i) { return i.path === m.path; })) return;
      state.images.unshift({ path: m.path, requestId: r.id });
    });
    state.images = state.images.slice(0, 24);
  }

  function renderImages() {
    var box = byId("images");
    box.replaceChildren.apply(box, state.images.map(function (i) {
      return el("a", { href: i.path, target: "_blank", rel: "noopener" }, [el("img", { src: i.path, alt: "image from request " + i.requestId, loading: "lazy" })]);
    }));
    byId("images-empty").hidden = state.images.length > 0;
  }

  function jobCard(job, previous) {
    var card = el("div", { className: "job", "data-job-id": job.id, "data-status": job.status }, [
      el("div", {}, [el("div", { className: "id", text: job.id }), el("div", { className: "meta", text: job.model + " · " + job.size + " · " + job.seconds + " s" })]),
      el("div", { text: job.status + (job.status === "completed" ? "" : " " + job.progress + " %") }),
      el("progress", { max: "100", value: String(job.progress) }),
    ]);
    if (job.error) card.appendChild(el("div", { className: "error", text: (job.error.code ? job.error.code + ": " : "") + job.error.message }));
    if (job.media) {
      // Keep the existing player, so a refresh does not restart playback.
      var kept = previous && previous.querySelector(".media");
      card.appendChild(kept || el("div", { className: "media" }, [
        el("img", { src: job.media.thumbnail, alt: "thumbnail of " + job.id }),
        el("video", { src: job.media.video, controls: "", muted: "", preload: "metadata", playsinline: "" }),
      ]));
    }
    return card;
  }

  function renderJobs() {
    var box = byId("jobs");
    var existing = {};
    Array.prototype.forEach.call(box.children, function (c) { existing[c.getAttribute("data-job-id")] = c; });
    box.replaceChildren.apply(box, state.jobs.map(function (j) { return jobCard(j, existing[j.id]); }));
    byId("jobs-empty").hidden = state.jobs.length > 0;
    var total = state.jobCounts ? state.jobCounts.total : state.jobs.length;
    var more = byId("jobs-more");
    more.hidden = total <= state.jobs.length;
    more.textContent = "Showing the newest " + state.jobs.length + " of " + total + " jobs.";
  }

  function renderHeader() {
    var up = Math.max(0, Math.round((state.now - state.startedAt) / 1000));
    byId("clock").textContent = "mock clock " + new Date(state.now).toISOString().replace("T", " ").slice(0, 19) + " (up " + up + " s)";
    var c = state.jobCounts;
    var total = c ? c.total : state.jobs.length;
    var active = c ? c.queued + c.in_progress : state.jobs.filter(function (j) { return j.status === "queued" || j.status === "in_progress"; }).length;
    byId("counts").textContent = state.requests.length + " requests · " + total + " jobs (" + active + " rendering)";
  }

  function renderConfig(s) {
    byId("api-url").textContent = s.apiUrl;
    var licences = byId("licences");
    licences.replaceChildren.apply(licences, s.licenses.map(function (l) {
      return el("li", {}, [el("code", { text: l.key }), document.createTextNode(" " + l.features.join(", "))]);
    }));
    var scenarios = byId("scenarios");
    scenarios.replaceChildren.apply(scenarios, s.scenarios.map(function (sc) {
      return el("li", {}, [el("span", { className: "tag", text: sc.name }), document.createTextNode(" " + sc.effect)]);
    }));
    var rules = byId("scenario-rules");
    rules.replaceChildren.apply(rules, s.scenarioRules.map(function (r) {
      var when = [r.prompt ? "prompt ~ /" + r.prompt + "/i" : "", r.model ? "model = " + r.model : ""].filter(Boolean).join(" and ");
      return el("li", { text: "rule: " + when + " → " + r.scenario });
    }));
  }

  function snippets(s) {
    var api = s.apiUrl;
    var key = s.devLicense ? "export SORA_API_KEY=" + s.devLicense + "   # the mock's public dev licence\\n" : "export SORA_API_KEY=<your licence>\\n";
    var auth = "-H \\"Authorization: Bearer $SORA_API_KEY\\"";
    return [
      { title: "curl: image through chat completions (streamed)", text: key +
        "curl -N " + api + "/chat/completions " + auth + " -H 'Content-Type: application/json' \\\\\\n  -d '{\\"model\\":\\"sora_image\\",\\"stream\\":true,\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"a red fox in the snow\\"}]}'" },
      { title: "curl: image generation", text:
        "curl " + api + "/images/generations " + auth + " -H 'Content-Type: application/json' \\\\\\n  -d '{\\"model\\":\\"sora_image\\",\\"prompt\\":\\"a lighthouse at dawn\\",\\"size\\":\\"1536x1024\\"}'" },
      { title: "curl: video job (create, poll, download)", text:
        "id=$(curl -s " + api + "/videos " + auth + " -H 'Content-Type: application/json' \\\\\\n  -d '{\\"model\\":\\"sora_video2-landscape\\",\\"prompt\\":\\"a paper boat on a rainy street\\"}' | sed -E 's/.*\\"id\\": *\\"([^\\"]+)\\".*/\\\\1/')\\n" +
        "curl -s " + api + "/videos/$id " + auth + "\\n" +
        "curl -o video.mp4 " + api + "/videos/$id/content " + auth + "   # once status is completed" },
      { title: "openai SDK (Node)", text:
        "import OpenAI from 'openai';\\n\\n" +
        "const client = new OpenAI({ baseURL: '" + api + "', apiKey: process.env.SORA_API_KEY });\\n" +
        "let video = await client.videos.create({ model: 'sora_video2-landscape', prompt: 'a paper boat' });\\n" +
        "while (video.status === 'queued' || video.status === 'in_progress') {\\n" +
        "  await new Promise((r) => setTimeout(r, 500));\\n" +
        "  video = await client.videos.retrieve(video.id);\\n" +
        "}\\n" +
        "const mp4 = await client.videos.downloadContent(video.id);" },
    ];
  }

  function renderSnippets(s) {
    var box = byId("snippets");
    box.replaceChildren.apply(box, snippets(s).map(function (sn) {
      var pre = el("pre", { text: sn.text });
      var button = el("button", { type: "button", text: "copy" });
      button.addEventListener("click", function () {
        var done = function (ok) { button.textContent = ok ? "copied" : "select and copy"; setTimeout(function () { button.textContent = "copy"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(sn.text).then(function () { done(true); }, function () { done(false); });
        else done(false);
      });
      return el("div", { className: "snippet" }, [el("h3", { text: sn.title }), pre, button]);
    }));
  }

  // Asked for after requests arrive, at most once a second (the report reads the whole journal).
  var reportTimer = null;
  function refreshClientReport() {
    if (reportTimer) return;
    reportTimer = setTimeout(function () {
      reportTimer = null;
      fetch("/__sora/inspector/client-report").then(function (r) { return r.json(); }).then(renderClientReport, function () {});
    }, 1000);
  }

  function renderClientReport(report) {
    var body = byId("client-report");
    body.replaceChildren.apply(body, report.findings.map(function (f) {
      var ex = f.example;
      return el("tr", { "data-rule": f.rule }, [el("td", {}, [el("code", { text: f.rule })]), el("td", { text: String(f.count) }), el("td", { text: f.detail }),
        el("td", {}, [el("code", { text: "#" + ex.id + " " + ex.method + " " + ex.path + " → " + ex.status + (ex.code ? " " + ex.code : "") })])]);
    }));
    byId("client-report-empty").hidden = report.findings.length > 0;
  }

  function onSnapshot(s) {
    refreshClientReport();
    state.requests = s.requests.slice(0, MAX_REQUESTS);
    state.jobs = s.jobs;
    state.jobCounts = s.jobCounts || null;
    state.now = s.now;
    state.startedAt = s.startedAt;
    state.faults = s.faults;
    state.images = [];
    state.requests.slice().reverse().forEach(addImages);
    renderConfig(s);
    renderFaults();
    renderSnippets(s);
    renderRequests();
    renderImages();
    renderJobs();
    renderHeader();
  }

  function connect() {
    var source = new EventSource("/__sora/inspector/events");
    var connection = byId("connection");
    source.addEventListener("open", function () { connection.dataset.state = "live"; connection.textContent = "live"; });
    source.addEventListener("error", function () { connection.dataset.state = "offline"; connection.textContent = "reconnecting…"; });
    source.addEventListener("snapshot", function (e) { onSnapshot(JSON.parse(e.data)); });
    source.addEventListener("faults", function (e) {
      state.faults = JSON.parse(e.data).faults;
      renderFaults();
    });
    source.addEventListener("request", function (e) {
      var r = JSON.parse(e.data);
      // A streamed answer's entry is sent again as its media arrive: replace it in place.
      var at = state.requests.findIndex(function (x) { return x.id === r.id; });
      if (at >= 0) state.requests[at] = r;
      else state.requests.unshift(r);
      state.requests.length = Math.min(state.requests.length, MAX_REQUESTS);
      addImages(r);
      refreshClientReport();
      renderRequests();
      renderImages();
      renderHeader();
    });
    source.addEventListener("jobs", function (e) {
      var d = JSON.parse(e.data);
      state.jobs = d.jobs;
      state.jobCounts = d.jobCounts || null;
      state.now = d.now;
      renderJobs();
      renderHeader();
    });
  }
  connect();
})();
</script>
</body>
</html>
`;
