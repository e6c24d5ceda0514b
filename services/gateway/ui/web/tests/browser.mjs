// What every browser test shares: chromium launched as CI can run it, and
// the watchers of each page (a dialog is an alert() that ran, a CSP
// violation a script the policy stopped, a page error a script that
// failed), recorded for the test to assert empty.
import { chromium } from "playwright-core";

// launch starts Debian's chromium, headless, with a fresh profile of its
// own (launch() gives it a temporary --user-data-dir, removed on close).
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// watch makes every page of ctx report CSP violations to the console
// (with the directive, the blocked URL, the page, the source and the
// element), and returns a new page of ctx whose dialogs, violations and
// errors are pushed to found ({dialogs, violations, pageErrors}); a
// violation is prefixed with label() (the test's current step).
export async function watch(ctx, found, label = () => "") {
  await ctx.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " on " + location.pathname + " at " +
        e.sourceFile + ":" + e.lineNumber + ":" + e.columnNumber + " by " + (e.target?.outerHTML ? e.target.outerHTML.slice(0, 160) : ""));
    });
  });
  const page = await ctx.newPage();
  page.on("dialog", async (d) => { found.dialogs?.push(d.message()); await d.dismiss(); });
  page.on("console", (m) => {
    if (m.text().includes("CSP violation") || m.text().includes("Content Security Policy")) {
      const at = label();
      found.violations.push(at ? at + ": " + m.text() : m.text());
    }
  });
  page.on("pageerror", (e) => found.pageErrors.push(String(e)));
  return page;
}
