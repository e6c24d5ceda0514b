// Browser tests of the workspace: Debian's chromium driven by
// playwright-core against a running `ruche up` (started, seeded and
// checked afterwards by services/ruche TestWorkspaceInTheBrowser, which
// passes the addresses, users and seeded ids in the environment).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createHmac } from "node:crypto";
import { launch, watch } from "./browser.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through TestWorkspaceInTheBrowser (services/ruche)`);
  return v;
};
const base = env("RUCHE_URL");
const brand = "demo";
const users = JSON.parse(env("RUCHE_USERS")); // [{email, password, name}]
const seeded = JSON.parse(env("RUCHE_SEEDED")); // {claim, draft, xss: [ids], xssTexts: [texts]}
const artifacts = env("RUCHE_ARTIFACTS");
mkdirSync(artifacts, { recursive: true });

let browser;
// mark logs the time since the previous mark: where a slow run spends it.
let last = Date.now();
const mark = (what) => {
  const now = Date.now();
  console.log(`  +${now - last} ms  ${what}`);
  last = now;
};
const dialogs = [];
const violations = [];
const pageErrors = [];

before(async () => {
  browser = await launch();
  mark("chromium launched");
});
after(async () => {
  await browser?.close();
});

// A browser context of its own per user, watching for dialogs (an
// alert() that ran) and CSP violations (a script the policy stopped).
const signedIn = new Map(); // email → storage state (cookies) of a session
async function session(user, { locale = "en-GB" } = {}) {
  const ctx = await browser.newContext({ locale, viewport: { width: 1400, height: 900 },
    storageState: user ? signedIn.get(user.email) : undefined });
  const page = await watch(ctx, { dialogs, violations, pageErrors });
  if (user && !signedIn.has(user.email)) {
    await signIn(page, user);
    signedIn.set(user.email, await ctx.storageState());
  } else if (user) {
    await page.goto(`${base}/inbox?brand=${brand}`);
  }
  return { ctx, page };
}

// signIn uses the keyboard only: the form is reached and sent with keys.
async function signIn(page, user) {
  await page.goto(base + "/");
  await page.waitForURL(/\/signin/);
  // The email field has autofocus, which the browser applies at its next
  // rendering update, not at load: typing before it would type nowhere.
  await page.waitForSelector("#email:focus");
  await page.keyboard.type(user.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(user.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/inbox\?brand=demo/);
  mark("signed in as " + user.email);
}

const shot = async (page, name) => {
  await page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });
  mark("screenshot " + name);
};
const openItem = async (page, id) => {
  await page.goto(`${base}/inbox?brand=${brand}&open=${encodeURIComponent(id)}`);
  mark("inbox loaded");
  await page.waitForSelector(`.item-panel[data-id="${id.replace(/"/g, '\\"')}"]`);
  mark("item " + id + " open");
};

test("sign in: the form, then the inbox with its headers", async () => {
  const { ctx, page } = await session(null);
  const resp = await page.goto(base + "/inbox?brand=demo");
  assert.match(page.url(), /\/signin\?next=/);
  const h = resp.headers();
  assert.match(h["content-security-policy"], /script-src 'self'/);
  assert.equal(h["x-frame-options"], "DENY");
  await shot(page, "signin");
  // A wrong password is told, in the page.
  await page.fill("#email", users[0].email);
  await page.fill("#password", "not the password");
  await page.press("#password", "Enter");
  await page.waitForSelector("#signin-error");
  await page.goto(base + "/signin");
  await page.waitForSelector("#email:focus");
  await page.keyboard.type(users[0].email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(users[0].password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/inbox\?brand=demo/);
  assert.ok(await page.isVisible(`text=${users[0].name}`));
  await page.waitForSelector("#stream .item");
  await shot(page, "inbox");
  await ctx.close();
});

test("triage ten items with the keyboard only", async () => {
  const { ctx, page } = await session(users[0]);
  await page.waitForSelector("#stream .item");
  const skip = new Set([seeded.claim, seeded.draft]);
  let decided = 0;
  await page.keyboard.press("j");
  for (let steps = 0; decided < 10 && steps < 40; steps++) {
    const row = page.locator("#stream .item[aria-selected='true']");
    const id = await row.getAttribute("data-id");
    if (skip.has(id)) { await page.keyboard.press("j"); continue; }
    // e (done) for most, h (hide) for some: the decision shows in the row.
    await page.keyboard.press(decided % 4 === 3 ? "h" : "e");
    await page.waitForSelector(`#stream .item[data-id="${id}"] .decision:not(:empty)`);
    decided++;
    mark("decided " + id);
    // The selection moved on by itself.
    await page.waitForFunction((prev) => document.querySelector("#stream .item[aria-selected='true']")?.dataset.id !== prev, id);
  }
  assert.equal(decided, 10);
  // Shown at once, each is then confirmed by the server: none refused.
  await page.waitForFunction(() => !document.querySelector("#stream .item .decision.pending"));
  assert.equal(await page.locator("#stream .item .refused").count(), 0);
  assert.equal(await page.locator("#stream .item .decision:not(:empty)").count(), 10);
  // ? opens the shortcuts, Escape closes them.
  await page.keyboard.press("?");
  assert.ok(await page.isVisible("#help"));
  await shot(page, "shortcuts");
  await page.keyboard.press("Escape");
  assert.ok(!(await page.isVisible("#help")));
  // / goes to the search box.
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "f-q");
  await shot(page, "triaged");
  await ctx.close();
});

test("a decision made while the item is still loading is kept", async () => {
  // The item panel answers slowly; the moderator decides on the row and
  // moves on before it has loaded. Both requests must reach the server.
  const { ctx, page } = await session(users[0]);
  await page.route("**/inbox/item?**", async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue().catch(() => {});
  });
  await page.waitForSelector("#stream .item");
  const skip = new Set([seeded.claim, seeded.draft]);
  const open = await page.$$eval("#stream .item", (rows) => rows.filter((r) => !r.querySelector(".decision:not(:empty)")).map((r) => r.dataset.id));
  const [a] = open.filter((id) => !skip.has(id));
  assert.ok(a, "an undecided row to decide");
  await page.click(`#stream .item[data-id="${a}"] .text`);
  await page.waitForTimeout(200); // its item is being fetched now
  await page.keyboard.press("e");
  await page.keyboard.press("j"); // looking at the next one before either answered
  // Shown at once, then confirmed by the server (no longer pending).
  await page.waitForSelector(`#stream .item[data-id="${a}"] .decision:not(:empty):not(.pending)`);
  assert.equal(await page.locator(`#stream .item[data-id="${a}"] .refused`).count(), 0);
  mark("decided " + a + " while its item loaded");
  await ctx.close();
});

test("a decision shows at once; refused by the server, the row comes back with the reason", async () => {
  const { ctx, page } = await session(users[0]);
  // The server answers only when the test lets it: first a refusal.
  let answer;
  const asked = new Promise((resolve) => { answer = resolve; });
  await page.route("**/inbox/decide?**", (route) => answer(route));
  await page.waitForSelector("#stream .item");
  const skip = new Set([seeded.claim, seeded.draft]);
  const ids = await page.$$eval("#stream .item", (rows) => rows.map((r) => r.dataset.id));
  const a = ids.slice(0, -1).find((id) => !skip.has(id));
  await page.click(`#stream .item[data-id="${a}"] .meta`);
  await page.waitForSelector(`.item-panel[data-id="${a}"]`);
  await page.keyboard.press("e");
  // Before the server answered: the row says the decision (pending) and
  // the next row is selected.
  const route = await asked;
  await page.waitForSelector(`#stream .item[data-id="${a}"] .decision.pending:not(:empty)`);
  await page.waitForFunction((a) => document.querySelector("#stream .item[aria-selected='true']")?.dataset.id !== a, a);
  await route.fulfill({ status: 409, contentType: "text/plain; charset=utf-8", body: "decision: refused by the test" });
  // The refusal: the row as it was, the reason on it and in the live region.
  await page.waitForSelector(`#stream .item[data-id="${a}"] .refused:text("refused by the test")`);
  assert.equal(await page.textContent(`#stream .item[data-id="${a}"] .decision`), "");
  assert.match(await page.textContent("#toast"), /refused by the test/);
  await shot(page, "decision-refused");
  // Decided again with the server answering, it is recorded.
  await page.unroute("**/inbox/decide?**");
  await page.click(`#stream .item[data-id="${a}"] .meta`);
  await page.keyboard.press("e");
  await page.waitForSelector(`#stream .item[data-id="${a}"] .decision:not(:empty):not(.pending)`);
  assert.equal(await page.locator(`#stream .item[data-id="${a}"] .refused`).count(), 0);
  await ctx.close();
});

test("a move shows the next item fetched ahead at once, then its fresh copy", async () => {
  const { ctx, page } = await session(users[1]);
  await page.waitForSelector("#stream .item");
  const ids = await page.$$eval("#stream .item", (rows) => rows.map((r) => r.dataset.id));
  assert.ok(ids.length >= 3, "three rows");
  const itemId = (req) => new URL(req.url()).pathname === "/inbox/item" && new URL(req.url()).searchParams.get("id");
  // Selecting the first row fetches the second ahead.
  await page.click(`#stream .item[data-id="${ids[0]}"] .meta`);
  await page.waitForSelector(`.item-panel[data-id="${ids[0]}"]`);
  await page.waitForSelector(`#stream .item[data-id="${ids[1]}"][data-ahead]`);
  // From now on the server answers only when the test lets it: j shows
  // the second item all the same, from what was fetched ahead...
  let again;
  const revalidation = new Promise((resolve) => { again = resolve; });
  await page.route("**/inbox/item?**", (route) => {
    if (itemId(route.request()) === ids[1]) again(route);
  });
  await page.keyboard.press("j");
  await page.waitForSelector(`.item-panel[data-id="${ids[1]}"]`);
  // ... and asks for it again: the fresh copy replaces it.
  const route = await revalidation;
  const resp = await route.fetch();
  const body = (await resp.text()).replace('class="item-panel"', 'class="item-panel" data-fresh="yes"');
  await route.fulfill({ response: resp, body });
  await page.waitForSelector(`.item-panel[data-id="${ids[1]}"][data-fresh="yes"]`);
  await ctx.close();
});

test("l corrects the current item's labels, shown in its row; the label filter", async () => {
  const { ctx, page } = await session(users[0]);
  await page.waitForSelector("#stream .item");
  const skip = new Set([seeded.claim, seeded.draft]);
  // A row no other test acts on: no decision, no correction yet.
  const id = await page.$$eval("#stream .item", (rows, skip) => rows.find((r) => !skip.includes(r.dataset.id) &&
    r.dataset.id.startsWith("sandbox:") && !r.querySelector(".decision:not(:empty)") && !r.querySelector(".corr"))?.dataset.id, [...skip]);
  assert.ok(id, "a row to label");
  await page.click(`#stream .item[data-id="${id}"] .meta`);
  await page.waitForSelector(`.item-panel[data-id="${id}"]`);
  await page.locator(`#stream .item[data-id="${id}"]`).focus();
  // Keyboard only: l opens the picker on its first label (spam), Enter
  // toggles it: added when the item does not have it, removed otherwise.
  await page.keyboard.press("l");
  await page.waitForSelector("#label-picker[open] [data-label='spam']:focus");
  const had = (await page.getAttribute("#label-picker [data-label='spam']", "aria-pressed")) === "true";
  await shot(page, "label-picker");
  await page.keyboard.press("Enter");
  const want = (had ? "-" : "+") + "spam";
  await page.waitForSelector(`#stream .item[data-id="${id}"] .corrected[data-corrected~="${want}"] .corr`);
  assert.ok(!(await page.isVisible("#label-picker")), "the picker closed");
  mark("labelled " + id + " " + want);
  // Still there after a reload: the row reads the corrections.
  await page.reload();
  await page.waitForSelector(`#stream .item[data-id="${id}"] .corrected[data-corrected~="${want}"]`);
  // The label filter keeps the rows with that label.
  const label = (await page.getAttribute(`#stream .item[data-id="${id}"]`, "data-labels")).split(" ").find((l) => l.startsWith("lang:"));
  assert.ok(label, "a lang label on the row");
  await page.fill("#f-label", label);
  await page.press("#f-label", "Enter");
  await page.waitForFunction((l) => new URLSearchParams(location.search).get("label") === l, label);
  await page.waitForSelector(`#stream .item[data-id="${id}"]`);
  const labels = await page.$$eval("#stream .item", (rows) => rows.map((r) => r.dataset.labels.split(" ")));
  assert.ok(labels.length > 0 && labels.every((ls) => ls.includes(label)), "every row has " + label);
  await ctx.close();
});

test("saved views are the user's, kept by the server", async () => {
  const { ctx, page } = await session(users[1]);
  await page.waitForSelector("#stream .item");
  await page.selectOption("#f-network", "sandbox");
  await page.waitForFunction(() => location.search.includes("network=sandbox"));
  await page.fill("#view-name", "Bac à sable");
  await page.press("#view-name", "Enter");
  await page.waitForSelector("#views a:text('Bac à sable')");
  await ctx.close();
  // Another browser of the same user (nothing in its storage) has it.
  const other = await session(users[1]);
  const view = other.page.locator("#views a:text('Bac à sable')");
  await view.waitFor();
  assert.match(await view.getAttribute("href"), /[?&]network=sandbox(&|$)/);
  await view.click();
  await other.page.waitForURL(/network=sandbox/);
  assert.equal(await other.page.inputValue("#f-network"), "sandbox");
  // Not another user's.
  const third = await session(users[0]);
  await third.page.waitForSelector("#stream .item");
  assert.equal(await third.page.locator("#views a:text('Bac à sable')").count(), 0);
  await third.ctx.close();
  // Deleted, it is gone for good.
  await other.page.click("#views [data-view-delete='Bac à sable']");
  await other.page.waitForSelector("#views a:text('Bac à sable')", { state: "detached" });
  await other.page.reload();
  await other.page.waitForSelector("#stream .item");
  assert.equal(await other.page.locator("#views a").count(), 0);
  await other.ctx.close();
});

test("two users on one item see the claim lock", async () => {
  const a = await session(users[0]);
  const b = await session(users[1]);
  await openItem(a.page, seeded.claim);
  await a.page.keyboard.press("r");
  await a.page.waitForSelector("#lock .lock.mine");
  await openItem(b.page, seeded.claim);
  const lock = b.page.locator("#lock .lock.other");
  await lock.waitFor();
  assert.equal(await lock.getAttribute("data-holder"), users[0].name);
  // The list says it too, on the row, without opening it.
  const rowLock = b.page.locator(`#stream .item[data-id="${seeded.claim}"] .lock.other`);
  assert.equal(await rowLock.getAttribute("data-holder"), users[0].name);
  assert.match(await lock.textContent(), new RegExp(`${users[0].name} is answering`));
  await shot(b.page, "claim-lock");
  // Answering anyway is refused, and said.
  await b.page.keyboard.press("j");
  await openItem(b.page, seeded.claim);
  await b.page.click("[data-key='r']");
  await b.page.waitForFunction(() => document.querySelector("#toast")?.textContent.includes("is answering"));
  await a.ctx.close();
  await b.ctx.close();
});

test("approve a draft and see it published on the sandbox network", async () => {
  const { ctx, page } = await session(users[0]);
  await openItem(page, seeded.draft);
  await page.keyboard.press("r");
  const panel = page.locator("#reply .draft");
  await panel.locator("textarea").waitFor();
  assert.ok(await panel.locator("text=confidence").count() > 0);
  // A saved reply, found by words, goes into the text.
  await page.fill("#reply input[type=search]", "commande");
  await page.waitForSelector("#reply ul.saved li");
  const use = page.locator("#reply [data-use-reply]").first();
  if (await use.count()) {
    const saved = await use.getAttribute("data-use-reply");
    await use.click();
    assert.equal(await page.locator("#reply textarea").inputValue(), saved);
  }
  // Edit, then approve what was edited.
  const text = page.locator("#reply textarea");
  await text.fill((await text.inputValue()) + " — Camille");
  await page.click("#reply button[type=submit]");
  await page.waitForSelector("#reply .draft >> text=version 2");
  await shot(page, "draft");
  await page.click("#reply [data-action=approve]");
  await page.waitForSelector("#reply .draft [data-status=approved]");
  await page.waitForSelector("#reply .publication [data-state=published]", { timeout: 30000 });
  assert.match(await page.locator("#reply .sent").textContent(), /— Camille$/);
  await shot(page, "published");
  await ctx.close();
});

test("an interaction arriving shows without a reload", async () => {
  const { ctx, page } = await session(users[1]);
  await page.waitForSelector("#stream .item");
  await page.evaluate(() => { window.__samePage = true; });
  const body = JSON.stringify({ id: "live-1", author: { id: "live", display_name: "Léa Live" },
    text: "Arrivé en direct : la commande 4417 est-elle partie ?", lang: "fr", created_at: new Date().toISOString() });
  const send = async (body) => {
    const sig = "sha256=" + createHmac("sha256", env("RUCHE_WEBHOOK_SECRET")).update(body).digest("hex");
    const resp = await fetch(env("RUCHE_WEBHOOK"), { method: "POST", body, headers: { "Content-Type": "application/json", "X-Ruche-Signature": sig } });
    assert.equal(resp.status, 200);
  };
  await send(body);
  // At the top of an unfiltered stream, it is a new row at the top.
  await page.waitForSelector('#stream .item.fresh[data-id="generic:live-1"]', { timeout: 20000 });
  assert.equal(await page.$eval("#stream .item", (r) => r.dataset.id), "generic:live-1");
  assert.ok(await page.isHidden("#live"), "no counter");
  await shot(page, "live");
  // Under a filter the arrival may not match, it is counted instead.
  await page.fill("#f-q", "direct");
  await page.waitForFunction(() => location.search.includes("q=direct"));
  await page.waitForSelector("#stream .item");
  await send(JSON.stringify({ id: "live-2", author: { id: "live", display_name: "Léa Live" },
    text: "En direct encore : et la commande 4418 ?", lang: "fr", created_at: new Date().toISOString() }));
  await page.waitForSelector("#live:not([hidden])", { timeout: 20000 });
  assert.match(await page.locator("#live").textContent(), /^1 new/);
  assert.equal(await page.locator('#stream .item[data-id="generic:live-2"]').count(), 0);
  await page.click("#live");
  await page.waitForSelector('#stream .item[data-id="generic:live-2"]');
  assert.ok(await page.evaluate(() => window.__samePage), "no page load");
  await ctx.close();
});

test("switch to French", async () => {
  const { ctx, page } = await session(users[1]);
  await page.click("#lang-switch");
  await page.waitForFunction(() => document.documentElement.lang === "fr");
  assert.ok(await page.isVisible("nav >> text=Boîte de réception"));
  assert.ok(await page.isVisible("text=Filtres"));
  await shot(page, "inbox-fr");
  // The choice stays, whatever the browser asks.
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr");
  // Dark theme from the toggle.
  await page.click("#theme-toggle");
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  assert.ok(theme === "dark" || theme === "light");
  await shot(page, "inbox-fr-theme");
  await ctx.close();
});

test("an XSS corpus injected as interactions executes nothing", async () => {
  const { ctx, page } = await session(users[1]);
  await page.goto(`${base}/inbox?brand=${brand}`);
  await page.waitForSelector("#stream .item");
  // Every text is in the list; a few open beside it (the same template
  // shows them all): markup, a handler, a link, an override, a bad URL.
  const opened = seeded.xss.filter((id, i) => [0, 1, 3, 11].includes(i) || id.endsWith("xss-url"));
  for (const id of opened) {
    await page.locator(`#stream .item[data-id="${id}"] .meta`).click();
    await page.waitForSelector(`.item-panel[data-id="${id}"]`);
    // The text is shown as text.
    const shown = await page.locator(".item-panel > .text").textContent();
    assert.ok(shown.length > 0, id);
  }
  mark(`${opened.length} XSS items opened`);
  const texts = await page.locator("#stream .item .text").allTextContents();
  // As written, but for bidirectional controls, shown as marks.
  const bidi = /[\u202A-\u202E\u2066-\u2069]/g;
  const shown = (t) => t.replace(bidi, (c) => "[U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0") + "]");
  for (const t of seeded.xssTexts) {
    assert.ok(texts.includes(shown(t)), `the text ${JSON.stringify(t)} is shown as written`);
  }
  assert.ok(texts.some((t) => t.includes("[U+202E]gnp.exe")), "an override is shown, not applied");
  assert.ok(!(await page.locator("main").textContent()).match(bidi), "no bidirectional control left in the page");
  const injected = await page.evaluate(() => ({
    scripts: document.querySelectorAll("main script, #stream script, #detail script").length,
    handlers: Array.from(document.querySelectorAll("main *")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("on"))).length,
    jsLinks: Array.from(document.querySelectorAll("a[href]")).filter((a) => !/^(https?:|\/|#)/.test(a.getAttribute("href"))).length,
    svgs: document.querySelectorAll("main svg, main iframe, main img, main math").length,
    htmx: document.querySelectorAll("#stream .item [hx-get], #stream .item [hx-post], #stream .item [hx-trigger], #detail .text *").length,
    external: Array.from(document.querySelectorAll("a[target=_blank]")).filter((a) => a.rel !== "noopener noreferrer nofollow").length,
  }));
  assert.deepEqual(injected, { scripts: 0, handlers: 0, jsLinks: 0, svgs: 0, htmx: 0, external: 0 });
  await shot(page, "xss");
  await ctx.close();
});

test("nothing ran that should not have", () => {
  assert.deepEqual(dialogs, [], "no dialog opened");
  assert.deepEqual(violations, [], "no CSP violation");
  assert.deepEqual(pageErrors, [], "no script error");
});
