// Lighthouse on a page behind the dashboard's sign-in (make lighthouse, through
// infra/lighthouse.py --sign-in EMAIL):
//
//   node tools/lighthouse/signed-in.mjs URL EMAIL OUT.json
//
// puppeteer-core (Lighthouse's own dependency) opens URL in chromium (CHROME_PATH), signs in as
// a person would, on the local dev authority's page with EMAIL, waits for the dashboard to show
// its screen, and then Lighthouse audits URL in that same tab with its storage kept (the
// refresh token lives in the tab's sessionStorage), with its mobile preset as the CLI runs it.

import { writeFileSync } from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [url, email, out] = process.argv.slice(2);
if (!url || !email || !out) {
  console.error("usage: node signed-in.mjs URL EMAIL OUT.json");
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: "networkidle0" });
  await page.click("button.account-primary");
  await page.waitForSelector("#email");
  await page.type("#email", email);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  await page.waitForSelector(".dash-header:not([hidden])", { timeout: 30000 });
  await page.waitForSelector("#dashboard:not([aria-busy])", { timeout: 30000 });
  const result = await lighthouse(
    url,
    {
      output: "json",
      logLevel: "error",
      disableStorageReset: true,
      onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
    },
    undefined,
    page,
  );
  writeFileSync(out, result.report);
} finally {
  await browser.close();
}
