// Browser test of the calendar: Debian's chromium driven by playwright-core
// against a running `ruche up` (started and checked afterwards by
// services/ruche TestCalendarInTheBrowser, which passes the address and a
// manager in the environment). Without RUCHE_CALENDAR_MANAGER it is
// skipped (another harness running tests/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, watch } from "./browser.mjs";

const skip = !process.env.RUCHE_CALENDAR_MANAGER && "RUCHE_CALENDAR_MANAGER is not set: run through TestCalendarInTheBrowser (services/ruche)";
const base = process.env.RUCHE_URL;
const manager = skip ? null : JSON.parse(process.env.RUCHE_CALENDAR_MANAGER); // {email, password}
const artifacts = process.env.RUCHE_ARTIFACTS;
const brand = "demo";

let browser;
before(async () => {
  if (skip) return;
  mkdirSync(artifacts, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const day = (offset) => new Date(Date.now() + offset * 86400e3).toISOString().slice(0, 10);
const shot = (page, name) => page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });

test("create, submit, approve, schedule, drag to another day; no CSP violation", { skip }, async () => {
  const ctx = await browser.newContext({ locale: "en-GB", viewport: { width: 1400, height: 1000 } });
  const violations = [];
  const pageErrors = [];
  let step = "sign in";
  const page = await watch(ctx, { violations, pageErrors }, () => step);
  await page.goto(base + "/signin");
  await page.fill("#email", manager.email);
  await page.fill("#password", manager.password);
  await page.press("#password", "Enter");
  await page.waitForURL(/\/inbox/);

  const target = day(2);
  await page.goto(`${base}/calendar?brand=${brand}&view=week&from=${target}`);
  await page.waitForSelector("h1 >> text=Editorial calendar");
  await page.waitForSelector("#best-title");

  step = "create";
  // Create: a text too long for x shows its error beside the field.
  await page.fill("#text-x", "é".repeat(281));
  await page.click("#create button[type=submit]");
  await page.waitForSelector("#err-text-x:not(:empty)");
  assert.match(await page.locator("#err-text-x").textContent(), /280/);
  await page.fill("#text-x", "");
  await page.fill("#text-sandbox", "Calendrier : la carte d'hiver arrive ☕");
  await page.fill("#create-campaign", "hiver");
  await page.click("#create button[type=submit]");
  await page.waitForSelector("#post-panel .cal-open");
  const id = await page.locator("#post-panel .cal-open").getAttribute("data-id");

  step = "review";
  // Review: submit, approve.
  await page.click("#post-panel [data-action=submit]");
  await page.waitForSelector("#post-panel [data-action=approve]");
  await page.click("#post-panel [data-action=approve]");
  await page.waitForSelector("#post-panel input[name=wall]");
  await shot(page, "calendar-approved");

  step = "schedule";
  // Schedule with the keyboard: the date/time field.
  const wall = page.locator("#post-panel input[name=wall]");
  await wall.focus();
  await wall.fill(`${target}T10:30`);
  await wall.press("Enter");
  await page.waitForSelector("#post-panel >> text=Scheduled for");
  const cell = (date) => page.locator(`.cal-day[data-date="${date}"] .cal-post[data-id="${id}"]`);
  await cell(target).waitFor();
  await shot(page, "calendar-scheduled");

  step = "drag";
  // Drag it to another future day of the week.
  const dates = await page.locator(".cal-day").evaluateAll((els) => els.map((e) => e.dataset.date));
  const to = dates.filter((d) => d !== target && d > day(1)).pop();
  assert.ok(to, `a future day beside ${target} in ${dates}`);
  await page.dragAndDrop(`.cal-post[data-id="${id}"]`, `.cal-day[data-date="${to}"]`);
  await cell(to).waitFor();
  assert.equal(await cell(target).count(), 0, "the post left its day");
  assert.match(await page.locator("#cal-grid .cal-message").textContent(), new RegExp(`${to}T10:30`));
  // The side panel showed the post: it comes back with its new time and
  // revision, so its next action is not refused as stale.
  await page.waitForSelector(`#post-panel >> text=Scheduled for ${to}T10:30`);
  assert.equal(await page.locator("#post-panel .cal-open").getAttribute("data-revision"),
    await cell(to).getAttribute("data-revision"), "the panel's revision is the grid's");
  assert.equal(await page.locator("#post-panel input[name=wall]").inputValue(), `${to}T10:30`);
  await shot(page, "calendar-dragged");

  step = "theme";
  // Dark mode and French.
  await page.click("#theme-toggle");
  await page.waitForFunction(() => document.documentElement.dataset.theme);
  await shot(page, "calendar-theme");
  await page.click("#lang-switch");
  await page.waitForFunction(() => document.documentElement.lang === "fr");
  assert.ok(await page.isVisible("h1 >> text=Calendrier éditorial"));
  await shot(page, "calendar-fr");
  await page.click("#lang-switch");
  await page.waitForFunction(() => document.documentElement.lang === "en");

  assert.deepEqual(violations, [], "no CSP violation");
  assert.deepEqual(pageErrors, [], "no script error");
  writeFileSync(join(artifacts, "calendar-moved.json"), JSON.stringify({ id, to }));
  await ctx.close();
});
