// The ui phase of `ruche bench` (services/ruche/internal/bench/ui.go):
// Debian's chromium driven by playwright-core through the inbox of a
// `ruche up` on the bench's dataset. Every interaction is timed in the
// page, from the key press (or click, or change) to the DOM showing its
// result, and the milliseconds are printed on stdout as JSON, by kind:
// {"search": [...], "filter": [...], "move": [...], "open": [...], "decide": [...]}.
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through ruche bench (BENCH_PHASES=ui)`);
  return v;
};
const base = env("RUCHE_URL");
const rounds = Number(env("BENCH_ROUNDS"));
const log = (...a) => console.error(new Date().toISOString().slice(11, 19), ...a);

// In the page: the time of the last key press, click and change, and a
// waiter per kind that resolves with the milliseconds from that time to
// the first DOM state showing the interaction's result.
function instrument() {
  const b = (window.__bench = { key: 0, click: 0, change: 0 });
  document.addEventListener("keydown", () => { b.key = performance.now(); }, true);
  document.addEventListener("pointerdown", () => { b.click = performance.now(); }, true);
  document.addEventListener("change", () => { b.change = performance.now(); }, true);
  // settled: the stream swapped by a request whose URL contains part.
  // Every waiter gives up after 120 s: a result that never shows fails the run
  // (a loaded machine makes some take seconds: they count, as a MISS).
  const timed = (what, f) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(what + ": not shown after 120 s")), 120000);
    f((v) => { clearTimeout(t); resolve(v); });
  });
  b.settled = (part, from) => timed("stream with " + part, (resolve) => {
    const on = (ev) => {
      const url = ev.detail.xhr?.responseURL || "";
      if (ev.detail.target?.id !== "stream" || !url.includes(part)) return;
      document.removeEventListener("htmx:afterSettle", on);
      resolve(performance.now() - b[from]);
    };
    document.addEventListener("htmx:afterSettle", on);
  });
  // shown: the first DOM mutation after which pred() holds.
  b.shown = (pred, from) => timed("DOM change", (resolve) => {
    const obs = new MutationObserver(() => {
      if (!pred()) return;
      obs.disconnect();
      resolve(performance.now() - b[from]);
    });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  b.selected = () => document.querySelector("#stream .item[aria-selected='true']")?.dataset.id;
  // The detail panel shows the selected row's item.
  b.panelShowsSelected = () => {
    const id = b.selected();
    return !!id && document.querySelector("#detail .item-panel")?.dataset.id === id;
  };
}

const words = ["commande", "refund", "livraison", "crashing", "discount", "produit", "Lyon", "service"];
const networks = ["instagram", "facebook", "x", "youtube", "mastodon"]; // options of the network filter
const times = { search: [], filter: [], move: [], open: [], decide: [] };
// The server's share: request sent → first byte of the answer, by route.
const server = { list: [], item: [], decide: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const ctx = await browser.newContext({ locale: "en-GB", viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(instrument);
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("page error:", String(e)));
  page.on("crash", () => log("the page crashed"));
  page.on("close", () => log("the page closed"));
  browser.on("disconnected", () => log("chromium exited"));
  page.on("requestfinished", (req) => {
    const m = new URL(req.url()).pathname.match(/^\/inbox\/(list|item|decide)$/);
    const t = req.timing();
    if (m && t.responseStart > 0) server[m[1]].push(Math.round((t.responseStart - t.requestStart) * 10) / 10);
  });
  page.setDefaultTimeout(60_000);

  await page.goto(base + "/signin");
  await page.fill("#email", env("BENCH_EMAIL"));
  await page.fill("#password", env("BENCH_PASSWORD"));
  await page.press("#password", "Enter");
  await page.waitForURL(/\/inbox\?brand=demo/);
  await page.waitForSelector("#stream .item");
  log("signed in, the inbox shows", await page.locator("#stream .item").count(), "rows");

  // measure starts the waiter, then acts: the waiter is in the page
  // before the key is sent (the protocol keeps the order).
  const measure = async (kind, wait, act) => {
    const ms = page.evaluate(wait.fn, wait.arg);
    await act();
    const v = await ms;
    times[kind].push(Math.round(v * 10) / 10);
    await page.waitForTimeout(150); // a person's pace, and the page idle again
    return v;
  };
  const settled = (part, from) => ({ fn: ([p, f]) => window.__bench.settled(p, f), arg: [part, from] });
  const panel = (from) => ({ fn: (f) => window.__bench.shown(window.__bench.panelShowsSelected, f), arg: from });

  for (let r = 0; r < rounds; r++) {
    // Search: '/' focuses the box, the word replaces what was there.
    const word = words[r % words.length];
    await page.keyboard.press("/");
    await page.keyboard.press("Control+A");
    await measure("search", settled("q=" + encodeURIComponent(word), "key"), () => page.keyboard.type(word, { delay: 120 }));
    // Back to every item: the box emptied, then the stream focused.
    const cleared = page.evaluate(([p, f]) => window.__bench.settled(p, f), ["q=&", "key"]);
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await cleared;
    await page.keyboard.press("Escape");
    await page.waitForTimeout(300);

    // A filter, then j/k, opening a row further down, a decision.
    const net = networks[r % networks.length];
    await measure("filter", settled("network=" + net, "change"), () => page.selectOption("#f-network", net));
    await page.keyboard.press("Escape");
    for (const key of ["j", "j", "j", "k"]) {
      await measure("move", panel("key"), () => page.keyboard.press(key));
    }
    const rows = page.locator("#stream .item");
    if ((await rows.count()) > 8) {
      await measure("open", panel("click"), () => rows.nth(6).locator(".text").click());
    }
    const id = await page.evaluate(() => window.__bench.selected());
    if (id) {
      await measure("decide", {
        fn: ([i, f]) => window.__bench.shown(() => !!document.querySelector(`#stream .item[data-id="${CSS.escape(i)}"] .decision:not(:empty)`), f),
        arg: [id, "key"],
      }, () => page.keyboard.press("e"));
    }
    await measure("filter", settled("network=&", "change"), () => page.selectOption("#f-network", ""));
    await page.keyboard.press("Escape");
    log(`round ${r + 1}/${rounds}:`, Object.entries(times).map(([k, v]) => `${k} ${v.at(-1)} ms`).join(", "));
  }
} finally {
  await browser.close();
}
for (const [k, v] of Object.entries(server)) times["server_" + k] = v;
process.stdout.write(JSON.stringify(times) + "\n");
