// Browser tests of the dashboard and the on-call screen: Debian's chromium
// driven by playwright-core against a running `ruche up` that a burst of
// complaints put in crisis (started, seeded and checked afterwards by
// services/ruche TestDashboardInTheBrowser, which passes the address and a
// manager in the environment). Without RUCHE_MANAGER every test is skipped
// (another harness running tests/ does not seed a crisis).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, watch } from "./browser.mjs";

const skip = !process.env.RUCHE_MANAGER && "RUCHE_MANAGER is not set: run through TestDashboardInTheBrowser (services/ruche)";
const base = process.env.RUCHE_URL;
const manager = skip ? null : JSON.parse(process.env.RUCHE_MANAGER); // {email, password, name}
const artifacts = process.env.RUCHE_ARTIFACTS;
const brand = "demo";

let browser;
const dialogs = [];
const violations = [];
const pageErrors = [];

before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// session opens a signed-in context watching for dialogs, CSP violations
// and script errors.
async function session(options) {
  const ctx = await browser.newContext(options);
  const page = await watch(ctx, { dialogs, violations, pageErrors });
  await page.goto(base + "/signin");
  await page.fill("#email", manager.email);
  await page.fill("#password", manager.password);
  await page.press("#password", "Enter");
  await page.waitForURL(/\/inbox/);
  return { ctx, page };
}

const shot = (page, name) => page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });

// drawnPixels counts the painted pixels of a chart's canvas: an empty
// canvas (ECharts absent, no data, a script refused) has none.
const drawnPixels = (page, id) => page.evaluate((id) => {
  const canvas = document.querySelector(`#chart-${id} canvas`);
  if (!canvas) return -1;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}, id);

test("dashboard charts render with data, beside their tables", { skip }, async () => {
  const { ctx, page } = await session({ locale: "en-GB", viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/dashboard?brand=${brand}`);
  await page.waitForSelector("#crisis-banner.alert");
  for (const id of ["volume", "sentiment", "engagement", "networks"]) {
    await page.waitForSelector(`#chart-${id} .chart-canvas[data-drawn="true"] canvas`);
    assert.ok(await drawnPixels(page, id) > 500, `the ${id} chart is drawn`);
    const rows = await page.locator(`#chart-${id} tbody tr`).count();
    assert.ok(rows > 0, `the ${id} table has rows`);
  }
  // The volume table holds the burst: some day counts 80 or more.
  const counts = await page.locator("#chart-volume tbody tr td:nth-child(2)").allTextContents();
  assert.ok(counts.some((c) => Number(c.replace(/\D/g, "")) >= 80), `volume table ${counts}`);
  assert.equal(await page.locator("#chart-volume tbody tr").count(), 7);
  // The KPI says the burst is new against the previous week.
  assert.match(await page.locator("#kpi-volume .kpi-value").textContent(), /\d/);
  // The crisis and its evidence.
  const crisis = page.locator(".crisis.open").first();
  assert.ok(await crisis.locator(".samples li").count() > 0);
  await crisis.locator(".chart-canvas[data-drawn=\"true\"] canvas").waitFor();
  // A CSV link answers CSV.
  const href = await page.locator("#chart-volume a[download]").getAttribute("href");
  const csv = await page.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get("content-type"), await r.text()]; }, href);
  assert.equal(csv[0], 200);
  assert.match(csv[1], /text\/csv/);
  assert.match(csv[2], /^\ufeff?Day;Volume;Previous period/);
  await shot(page, "dashboard");
  // Dark mode redraws the charts in the theme's colours.
  await page.click("#theme-toggle");
  await page.waitForFunction(() => document.documentElement.dataset.theme);
  await page.waitForTimeout(200);
  assert.ok(await drawnPixels(page, "volume") > 500);
  await shot(page, "dashboard-theme");
  // French.
  await page.click("#lang-switch");
  await page.waitForFunction(() => document.documentElement.lang === "fr");
  await page.waitForSelector("#chart-volume .chart-canvas[data-drawn=\"true\"]");
  assert.ok(await page.isVisible("h1 >> text=Tableau de bord"));
  await shot(page, "dashboard-fr");
  await page.click("#lang-switch");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  await ctx.close();
});

test("on call at 390×844: see the crisis, pause and resume the queue, approve and reject drafts", { skip }, async () => {
  const { ctx, page } = await session({ locale: "en-GB", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await page.goto(`${base}/oncall?brand=${brand}`);
  await page.waitForSelector("#crisis-banner.alert");
  assert.match(await page.locator(".crisis-now").textContent(), /Crisis open since/);
  // Nothing wider than the phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  const clipped = await page.evaluate(() => Array.from(document.querySelectorAll("header a, header button, main a, main button"))
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => el.textContent.trim()));
  assert.deepEqual(clipped, [], "links and buttons within the screen");
  await shot(page, "oncall-phone");

  await page.fill("#pause-reason", "crise en cours");
  await page.tap("#queue-pause");
  await page.waitForSelector("#crisis-banner.paused #queue-resume");
  assert.match(await page.locator("#queue-state").textContent(), /paused/);
  await shot(page, "oncall-phone-paused");
  await page.tap("#queue-resume");
  await page.waitForSelector("#crisis-banner:not(.paused) #queue-pause");

  const cards = page.locator(".oncall-draft");
  assert.ok(await cards.count() >= 2, "two drafts wait");
  const first = await cards.nth(0).getAttribute("id");
  await page.locator(`#${first} button.approve`).tap();
  await page.waitForSelector(`#${first} .done`);
  assert.match(await page.locator(`#${first} .done`).textContent(), /Approved|second/);
  const second = await cards.nth(1).getAttribute("id");
  await page.locator(`#${second} input[name=reason]`).fill("ton trop familier");
  await page.locator(`#${second} button.reject`).tap();
  await page.waitForSelector(`#${second} .done`);
  assert.match(await page.locator(`#${second} .done`).textContent(), /Rejected/);
  await shot(page, "oncall-phone-decided");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, "oncall-phone-screen.png") }); // what the phone shows first

  // The dashboard fits the phone too.
  await page.goto(`${base}/dashboard?brand=${brand}`);
  await page.waitForSelector("#chart-volume .chart-canvas[data-drawn=\"true\"]");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0);
  await shot(page, "dashboard-phone");
  await ctx.close();
});

test("settings: sources with their health, the policy's dry run on past traffic, people, reports, contests, drafting", { skip }, async () => {
  const { ctx, page } = await session({ locale: "en-GB", viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/settings/sources?brand=${brand}`);
  assert.ok(await page.locator("#sources tbody tr").count() > 0, "the demo brand's sources are listed");
  await shot(page, "settings-sources");

  // Add a source: refused first (a generic webhook needs its secret), the
  // refusal in the form naming the field, which takes the focus.
  await page.fill("#source-form-id", "shop-webhook");
  await page.fill("#source-form-network", "generic");
  await page.click("#source-form button[type=submit]");
  await page.waitForSelector("#source-form-secrets[aria-invalid='true']:focus");
  assert.match(await page.locator("#source-form-error").textContent(), /secrets\.secret/);
  assert.equal(await page.inputValue("#source-form-id"), "shop-webhook", "the values are kept");
  await shot(page, "settings-source-refused");
  await page.fill("#source-form-secrets", "secret=a-long-shared-webhook-secret");
  await page.click("#source-form button[type=submit]");
  await page.waitForSelector("#sources th:text('shop-webhook')");
  // Connect an account: a URL that is not http(s) is refused, named.
  await page.fill("#account-form-id", "shop-sandbox");
  await page.fill("#account-form-network", "sandbox");
  await page.fill("#account-form-url", "ftp://example.com");
  await page.fill("#account-form-token", "a-token");
  await page.click("#account-form button[type=submit]");
  await page.waitForSelector("#account-form-url[aria-invalid='true']");
  assert.match(await page.locator("#account-form-error").textContent(), /url/);
  await page.fill("#account-form-url", "");
  await page.fill("#account-form-token", "a-token");
  await page.click("#account-form button[type=submit]");
  await page.waitForSelector("#accounts th:has-text('shop-sandbox')");
  await shot(page, "settings-sources-added");

  await page.goto(`${base}/settings/policy?brand=${brand}`);
  await page.fill("#policy-doc", JSON.stringify({ rules: [{ name: "hide-shame", when: { keywords: ["honte"] }, then: ["hide"] }] }, null, 2));
  await page.click("#dry-run-button");
  await page.waitForSelector("#dry-run-counts");
  assert.match(await page.locator("#dry-run-title").textContent(), /would change/);
  // The burst's "c'est une honte" would be hidden: the changes name the rule.
  assert.ok(await page.locator("#dry-run-changes tbody tr").count() > 0);
  assert.match(await page.locator("#dry-run-changes").textContent(), /hide-shame/);
  await shot(page, "settings-policy-dry-run");

  await page.goto(`${base}/settings/people?brand=${brand}`);
  assert.ok(await page.isVisible(`text=${manager.email}`));
  // Invite someone: a bad address is refused, named; then the link.
  await page.fill("#invite-form-email", "not an address");
  await page.selectOption("#invite-form-role", "analyst");
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("#invite-form-email[aria-invalid='true']");
  assert.match(await page.locator("#invite-form-error").textContent(), /^email: /);
  await page.fill("#invite-form-email", "nina@demo.example");
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("#invite-link:focus");
  assert.match(await page.inputValue("#invite-link"), /\/welcome#invitation=/);
  await shot(page, "settings-people");
  await page.goto(`${base}/settings/reports?brand=${brand}`);
  await page.waitForSelector("#rep-weekday");
  await shot(page, "settings-reports");
  await page.goto(`${base}/settings/contests?brand=${brand}`);
  await page.waitForSelector("#ct-network");
  await shot(page, "settings-contests");
  // Drafting: the model in use and the month's tokens; an endpoint that is
  // not http(s) is refused, named and focused, the key never shown back.
  await page.goto(`${base}/settings/drafting?brand=${brand}`);
  await page.waitForSelector("#drafting-model");
  assert.match(await page.locator("#drafting-usage-label").textContent(), /Tokens used in \d{4}-\d{2}/);
  await page.fill("#drafting-form-base_url", "ftp://models.example");
  await page.fill("#drafting-form-model", "a-model");
  await page.fill("#drafting-form-api_key", "a-secret-model-key");
  await page.click("#drafting-form button[type=submit]");
  await page.waitForSelector("#drafting-form-base_url[aria-invalid='true']:focus");
  assert.match(await page.locator("#drafting-form-error").textContent(), /^base_url: /);
  assert.equal(await page.inputValue("#drafting-form-api_key"), "", "the key is not shown back");
  await shot(page, "settings-drafting-refused");
  await ctx.close();
});

test("nothing ran that should not have", { skip }, () => {
  assert.deepEqual(dialogs, [], "no dialog opened");
  assert.deepEqual(violations, [], "no CSP violation");
  assert.deepEqual(pageErrors, [], "no script error");
});
