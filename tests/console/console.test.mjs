// End-to-end test of Steady's web console in headless Chromium (Debian `chromium`, driven by
// npm `playwright-core`), against a real `steady-server` and a simulated device running the real
// device engine (`steady-device`). Started by `run.sh`, which sets the environment below.
//
// It follows the console contract (/work/briefs/console-contract.md): routes, labels, test ids.
// Every step runs and is counted: a step whose page is missing fails, it is never skipped. Every
// page visited is screenshotted at desktop (1366x900) and tablet (820x1180) widths and checked
// with axe-core (0 violations of impact serious or critical; every violation found is printed).
//
// The axe pass runs in a second browser context created with `bypassCSP: true` (the console's
// Content Security Policy rightly refuses injected scripts, and the CSP must stay on for the real
// test): the current page's DOM is served there at the same URL (so the console's own stylesheet
// loads, with a copy of the session cookie), axe.min.js is injected with `addScriptTag`, and the
// page is checked exactly as the lead saw it, including pages that answer a POST.
//
// Only synthetic data: invented names and notes.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, request as apiRequest } from 'playwright-core';

const require = createRequire(import.meta.url);
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests/console/run.sh`);
  return value;
};

const BASE = env('STEADY_URL');
const CHROMIUM = process.env.STEADY_CHROMIUM || '/usr/bin/chromium';
const DEVICE = env('STEADY_DEVICE');
const WORK = env('STEADY_WORK');
const UNIT_ID = env('STEADY_UNIT_ID');
const UNIT_NAME = env('STEADY_UNIT_NAME');
const OTHER_UNIT_ID = env('STEADY_OTHER_UNIT_ID');
const OTHER_CODE = env('STEADY_OTHER_CODE');
const LEAD_EMAIL = env('STEADY_LEAD_EMAIL');
const LEAD_PASSWORD = env('STEADY_LEAD_PASSWORD');
const SCREENS = env('STEADY_SCREENS');
const AXE_PATH = require.resolve('axe-core/axe.min.js');

const DESKTOP = { width: 1366, height: 900 };
const TABLET = { width: 820, height: 1180 };
const COOKIE = 'steady_console';

const PERSON_NAME = 'Robin Example';
const WHAT_HELPS = 'A quiet room with the lights low';
const HOW_TO_SUPPORT = 'Speak slowly, offer two choices, and give Robin time to answer.';
const ADDENDUM = 'Reviewed with the ward team (synthetic addendum).';
const NO_PRONE_NAME = 'Morgan Example';
const NO_PRONE_ALERT = 'No prone holds: asthma (synthetic)';
const OVERRIDE_REASON = 'Kneeling hold failed on a slippery floor; turned after 30 seconds (synthetic).';

mkdirSync(SCREENS, { recursive: true });

// --- the step runner ------------------------------------------------------------------------

let passed = 0;
let failed = 0;
const failures = [];

/** Runs one named check; a thrown error (or a failed assertion) fails it. Never skips. */
async function step(name, body) {
  const started = Date.now();
  currentStep = name;
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    const message = String(error?.message ?? error).split('\n').slice(0, 6).join('\n       ');
    failures.push(`${name}: ${message.split('\n')[0]}`);
    console.log(`FAIL ${name}\n       ${message}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Runs the simulated device and parses its JSON answer. */
function device(store, ...args) {
  try {
    const out = execFileSync(DEVICE, ['--store', path.join(WORK, store), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    return JSON.parse(out);
  } catch (error) {
    const detail = (error.stderr || error.stdout || error.message || '').toString().trim();
    throw new Error(`steady-device ${args[0]} failed: ${detail}`);
  }
}

// --- the browser ------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const context = await browser.newContext({ baseURL: BASE, viewport: DESKTOP });
const page = await context.newPage();
page.setDefaultTimeout(10_000);
// Nothing may come from outside the server (no CDN: the console works on a ward network).
const offsite = [];
page.on('request', (req) => {
  const url = req.url();
  if (!url.startsWith(BASE) && !url.startsWith('data:') && !url.startsWith('about:')) {
    offsite.push(url);
  }
});
// Errors the page logs (CSP refusals, failed loads), with the step they happened in; the steps
// that provoke a refusal on purpose (the forged POST) are left out of the final check.
const consoleErrors = [];
let currentStep = '';
page.on('console', (msg) => {
  if (msg.type() === 'error') {
    consoleErrors.push({ step: currentStep, text: msg.text(), url: msg.location()?.url ?? '' });
  }
});
page.on('pageerror', (error) => {
  consoleErrors.push({ step: currentStep, text: String(error), url: page.url() });
});

// One context for the axe pass, CSP bypassed, sharing the session cookie.
const axeContext = await browser.newContext({ baseURL: BASE, viewport: DESKTOP, bypassCSP: true });
const screened = [];

/** Screenshots the current page at both widths, then checks it with axe-core (as its own step). */
async function visit(name) {
  const url = page.url();
  screened.push(name);
  await step(`screenshots: ${name}`, async () => {
    check(url.startsWith(BASE), `no console page loaded (at ${url})`);
    for (const [label, size] of [['desktop', DESKTOP], ['tablet', TABLET]]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(SCREENS, `${name}-${label}.png`), fullPage: true });
    }
    await page.setViewportSize(DESKTOP);
  });
  await step(`accessibility (axe-core): ${name}`, async () => {
    check(url.startsWith(BASE), `no console page loaded (at ${url})`);
    await axeContext.clearCookies();
    await axeContext.addCookies(await context.cookies());
    const axePage = await axeContext.newPage();
    try {
      // The page exactly as the lead sees it now (also the answer to a POST), served at its own
      // URL so its stylesheet loads as usual.
      const html = await page.content();
      await axePage.route((u) => u.href === url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }), { times: 1 });
      const response = await axePage.goto(url);
      check(response && response.status() === 200, `loading ${url} for the axe pass: ${response?.status()}`);
      await axePage.addScriptTag({ path: AXE_PATH });
      const result = await axePage.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
        }));
      });
      for (const v of result) {
        console.log(`       axe ${v.impact}: ${v.id} — ${v.help} [${v.nodes.join(' | ')}]`);
      }
      const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      check(serious.length === 0, `${serious.length} serious or critical violations: ${serious.map((v) => v.id).join(', ')}`);
    } finally {
      await axePage.close();
    }
  });
}

/** The value cell of the dashboard's figures row named `name`, as a number. */
async function figure(name) {
  const rows = page.locator('[data-testid="month-figures"] tr');
  const count = await rows.count();
  check(count >= 1, 'no month-figures table (or it has no rows)');
  for (let i = 0; i < count; i += 1) {
    const texts = await rows.nth(i).locator('th, td').allInnerTexts();
    if (texts[0]?.trim() === name) return Number.parseFloat(texts[1]);
  }
  throw new Error(`no row whose first cell is exactly "${name}" in the month-figures table`);
}

/** A request context with only `cookie` (as a thief would replay it), redirects not followed. */
async function replay(urlPath, cookie) {
  const ctx = await apiRequest.newContext({ baseURL: BASE });
  try {
    const response = await ctx.get(urlPath, {
      headers: cookie ? { Cookie: `${COOKIE}=${cookie}` } : {},
      maxRedirects: 0,
    });
    return { status: response.status(), location: response.headers().location ?? '' };
  } finally {
    await ctx.dispose();
  }
}

async function signIn(password = LEAD_PASSWORD) {
  await page.goto('/console/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(LEAD_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

async function sessionCookie() {
  return (await context.cookies()).find((c) => c.name === COOKIE);
}

/** The form that contains the field labelled `label`. */
function formOf(label) {
  return page.getByLabel(label, { exact: true }).locator('xpath=ancestor::form[1]');
}

// --- the journey --------------------------------------------------------------------------------

const state = {};
const stamp = Date.now().toString(36);

try {
  await step('the axe pass itself finds a known violation (it cannot pass vacuously)', async () => {
    const probe = await axeContext.newPage();
    try {
      await probe.setContent('<!doctype html><html lang="en"><title>probe</title><main><img src="x.png"><input type="text"></main></html>');
      await probe.addScriptTag({ path: AXE_PATH });
      // eslint-disable-next-line no-undef
      const ids = await probe.evaluate(async () => (await axe.run(document)).violations.map((v) => v.id));
      check(ids.includes('image-alt') && ids.includes('label'), `axe found only ${ids.join(', ')}`);
    } finally {
      await probe.close();
    }
  });

  await step('sign-in page has Email, Password and Sign in', async () => {
    const response = await page.goto('/console/sign-in');
    equal(response.status(), 200, 'GET /console/sign-in');
    await page.getByLabel('Email', { exact: true }).waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
  await visit('sign-in');

  await step('a signed-out visit to /console is sent to sign-in (303)', async () => {
    const r = await replay('/console', null);
    equal(r.status, 303, 'status');
    check(r.location.endsWith('/console/sign-in'), `Location ${r.location}`);
  });

  await step('a wrong password is refused with the contract message', async () => {
    await signIn(`${LEAD_PASSWORD}-wrong`);
    await page.getByText('Email or password not recognised.').waitFor();
    check(!(await sessionCookie()) || page.url().includes('/sign-in'), 'a session after a wrong password');
  });
  await visit('sign-in-refused');

  await step('the lead signs in and sees Your units', async () => {
    await signIn();
    await page.getByRole('heading', { name: 'Your units' }).waitFor();
    await page.getByRole('link', { name: UNIT_NAME, exact: true }).waitFor();
    equal(await page.getByRole('link', { name: 'Rowan Ward (synthetic)' }).count(), 0, 'links to a unit not granted');
  });
  await visit('units');

  await step('the session cookie is HttpOnly, SameSite=Strict, Path=/console', async () => {
    const cookie = await sessionCookie();
    check(cookie, `no ${COOKIE} cookie`);
    equal(cookie.httpOnly, true, 'HttpOnly');
    equal(cookie.sameSite, 'Strict', 'SameSite');
    equal(cookie.path, '/console', 'Path');
  });

  await step('the unit page has its name and the five navigation links', async () => {
    await page.goto('/console');
    await page.getByRole('link', { name: UNIT_NAME, exact: true }).click();
    await page.waitForURL(`**/console/units/${UNIT_ID}`);
    equal((await page.locator('h1').first().innerText()).trim(), UNIT_NAME, 'h1');
    for (const name of ['People', 'Incidents', 'Dashboard', 'Enrolment', 'Exports']) {
      await page.getByRole('link', { name, exact: true }).first().waitFor();
    }
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });
  await visit('unit');

  await step('a person is added on the People page', async () => {
    await page.goto(`/console/units/${UNIT_ID}`);
    await page.getByRole('link', { name: 'People', exact: true }).first().click();
    await page.waitForURL(`**/console/units/${UNIT_ID}/people`);
    await page.getByLabel('Display name', { exact: true }).fill(PERSON_NAME);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.waitForLoadState();
    await page.goto(`/console/units/${UNIT_ID}/people`);
    const link = page.getByRole('link', { name: PERSON_NAME, exact: true });
    await link.waitFor();
    const href = await link.getAttribute('href');
    const match = /\/console\/people\/([^/?#]+)/.exec(href ?? '');
    check(match, `person link ${href}`);
    state.personId = decodeURIComponent(match[1]);
  });
  await visit('people');

  await step('the sheet: an item added to What helps', async () => {
    check(state.personId, 'no person');
    await page.goto(`/console/people/${state.personId}`);
    await page.getByLabel('Add to What helps', { exact: true }).fill(WHAT_HELPS);
    await formOf('Add to What helps').getByRole('button', { name: 'Save support sheet', exact: true }).click();
    await page.waitForLoadState();
    await page.goto(`/console/people/${state.personId}`);
    await page.getByText(WHAT_HELPS).first().waitFor();
  });

  await step('the sheet: How best to support me saved', async () => {
    check(state.personId, 'no person');
    await page.goto(`/console/people/${state.personId}`);
    await page.getByLabel('How best to support me', { exact: true }).fill(HOW_TO_SUPPORT);
    await formOf('How best to support me').getByRole('button', { name: 'Save support sheet', exact: true }).click();
    await page.waitForLoadState();
    await page.getByText('Saved.').first().waitFor();
    await page.goto(`/console/people/${state.personId}`);
    equal(await page.getByLabel('How best to support me', { exact: true }).inputValue(), HOW_TO_SUPPORT, 'saved text');
  });
  await visit('person-sheet');

  await step('the sheet is one form: two boxes saved at once', async () => {
    await page.goto(`/console/people/${state.personId}`);
    await page.getByLabel('Routines that keep me well', { exact: true }).fill('Breakfast at eight (synthetic)');
    await page.getByLabel('My sensory needs', { exact: true }).fill('A quiet room (synthetic)');
    await page.getByRole('button', { name: 'Save support sheet', exact: true }).click();
    await page.waitForLoadState();
    await page.getByText('Saved.').first().waitFor();
    equal(await page.getByLabel('Routines that keep me well', { exact: true }).inputValue(), 'Breakfast at eight (synthetic)', 'first box');
    equal(await page.getByLabel('My sensory needs', { exact: true }).inputValue(), 'A quiet room (synthetic)', 'second box');
  });

  await step('a save over a newer change shows both versions and keeps the typed text', async () => {
    await page.goto(`/console/people/${state.personId}`);
    // Someone else saves the same box in another tab meanwhile.
    const other = await context.newPage();
    try {
      await other.goto(`/console/people/${state.personId}`);
      await other.getByLabel('Who to call', { exact: true }).fill('Their version (synthetic)');
      await other.getByRole('button', { name: 'Save support sheet', exact: true }).click();
      await other.waitForLoadState();
      await other.getByText('Saved.').first().waitFor();
    } finally {
      await other.close();
    }
    await page.getByLabel('Who to call', { exact: true }).fill('My version (synthetic)');
    await page.getByRole('button', { name: 'Save support sheet', exact: true }).click();
    await page.waitForLoadState();
    await page.getByTestId('sheet-conflict').waitFor();
    await page.getByText('Their version (synthetic)').first().waitFor();
    equal(await page.getByLabel('Who to call', { exact: true }).inputValue(), 'My version (synthetic)', 'typed text kept');
  });
  await visit('person-sheet-conflict');

  await step('saving again from the conflict keeps the lead\'s version', async () => {
    await page.getByRole('button', { name: 'Save support sheet', exact: true }).click();
    await page.waitForLoadState();
    await page.getByText('Saved.').first().waitFor();
    equal(await page.getByLabel('Who to call', { exact: true }).inputValue(), 'My version (synthetic)', 'saved');
  });

  await step('the enrolment page creates a code with its link and QR code', async () => {
    await page.goto(`/console/units/${UNIT_ID}/enrolment`);
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByRole('button', { name: 'Create code' }).click();
    await page.waitForLoadState();
    state.code = (await page.getByTestId('enrolment-code').innerText()).trim();
    state.link = (await page.getByTestId('enrolment-url').innerText()).trim();
    check(/^[A-Z0-9-]{8,}$/.test(state.code), `code ${JSON.stringify(state.code)}`);
    const link = new URL(state.link.replace(/^steady:\/\//, 'https://'));
    equal(link.searchParams.get('code'), state.code, 'the link carries the code');
    check(link.searchParams.get('server'), 'the link names the server');
    await page.locator('svg[role="img"][aria-label="QR code for the enrolment code"]').waitFor();
  });
  await visit('enrolment-code');

  await step('the simulated device enrols with the code and syncs the sheet down', async () => {
    check(state.code, 'no code');
    // Enrol as a phone that scanned the QR code: from the link alone.
    const enrolled = device('device-a', 'enrol', state.link);
    equal(enrolled.server, BASE, 'the server named by the QR link');
    const grant = enrolled.grants.find((g) => g.unit_id === UNIT_ID);
    check(grant, `no grant in ${UNIT_ID}: ${JSON.stringify(enrolled.grants)}`);
    equal(grant.role, 'editor', 'role');
    state.deviceId = enrolled.device_id;
    const synced = device('device-a', 'sync');
    equal(synced.status.last_error, null, 'sync error');
    const sheet = device('device-a', 'show-sheet', state.personId);
    equal(sheet.person.display_name, PERSON_NAME, 'person');
    check(sheet.what_helps.some((i) => i.text === WHAT_HELPS), `what helps: ${JSON.stringify(sheet.what_helps)}`);
    const text = sheet.texts.find((t) => t.field === 'how_to_support_me');
    equal(text?.text, HOW_TO_SUPPORT, 'How best to support me on the device');
  });

  await step('the enrolled device is listed with End grant and Revoke device', async () => {
    await page.goto(`/console/units/${UNIT_ID}/enrolment`);
    check((await page.getByRole('button', { name: 'End grant' }).count()) >= 1, 'no End grant button');
    check((await page.getByRole('button', { name: 'Revoke device' }).count()) >= 1, 'no Revoke device button');
  });
  await visit('enrolment');

  await step('the device captures and submits a prone hold of 12 minutes, and syncs', async () => {
    check(state.personId, 'no person');
    const captured = device(
      'device-a', 'capture', '--unit', UNIT_ID, '--person', state.personId,
      '--note', `Distressed in the lounge (synthetic ${stamp})`, '--tag', 'physical_aggression_to_staff',
      '--prone-minutes', '12', '--submit',
    );
    equal(captured.submitted, true, 'submitted');
    state.incidentId = captured.incident_id;
    state.occurredAt = captured.incident.occurred_at;
    const synced = device('device-a', 'sync');
    equal(synced.status.pending, 0, 'changes left to send');
    equal(synced.status.last_error, null, 'sync error');
  });

  await step('the incident is on the Incidents page as Submitted', async () => {
    check(state.incidentId, 'no incident');
    await page.goto(`/console/units/${UNIT_ID}/incidents`);
    const link = page.locator(`a[href$="/console/incidents/${state.incidentId}"]`);
    await link.first().waitFor();
    const row = page.locator('tr').filter({ has: link });
    check((await row.innerText()).includes('Submitted'), `row: ${await row.innerText()}`);
  });
  await visit('incidents');

  await step('the incident page shows it and takes an addendum', async () => {
    check(state.incidentId, 'no incident');
    await page.goto(`/console/incidents/${state.incidentId}`);
    await page.getByText(`synthetic ${stamp}`).first().waitFor();
    await page.getByLabel('Addendum', { exact: true }).fill(ADDENDUM);
    await page.getByRole('button', { name: 'Add addendum' }).click();
    await page.waitForLoadState();
    await page.goto(`/console/incidents/${state.incidentId}`);
    await page.getByText(ADDENDUM).first().waitFor();
  });
  await visit('incident');

  await step('the dashboard counts the prone hold over 10 minutes', async () => {
    check(state.occurredAt, 'no incident');
    const month = new Date(state.occurredAt).toISOString().slice(0, 7);
    state.month = month;
    const response = await page.goto(`/console/units/${UNIT_ID}/dashboard?month=${month}`);
    equal(response.status(), 200, 'dashboard status');
    // The unit is fresh: exactly the device's one incident, one 12-minute prone hold, both
    // debriefs held, no seclusion.
    check((await figure('Prone holds over 10 minutes')) >= 1, 'Prone holds over 10 minutes < 1');
    check((await figure('Uses of force')) >= 1, 'Uses of force < 1');
    for (const [name, value] of [
      ['Incidents', 1], ['Successful de-escalations', 0], ['Near misses', 0], ['Uses of force', 1],
      ['Prone holds over 10 minutes', 1], ['Seclusion hours', 0], ['Debriefs held', 1],
    ]) {
      equal(await figure(name), value, name);
    }
    check((await page.locator('svg[role="img"][aria-label]').count()) >= 1, 'no chart with role=img and aria-label');
  });
  await visit('dashboard');

  await step('the restrictive interventions CSV has the header and the hold', async () => {
    check(state.month, 'no month');
    await page.goto(`/console/units/${UNIT_ID}/exports`);
    const link = page.getByRole('link', { name: 'Restrictive interventions (CSV)' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    check(href?.includes(`/console/units/${UNIT_ID}/exports/restrictive-interventions.csv`), `href ${href}`);
    const day = new Date(state.occurredAt).toISOString().slice(0, 10);
    const response = await page.request.get(
      `/console/units/${UNIT_ID}/exports/restrictive-interventions.csv?from=${day}&to=${day}`,
    );
    equal(response.status(), 200, 'CSV status');
    check(response.headers()['content-type']?.startsWith('text/csv'), `content-type ${response.headers()['content-type']}`);
    const lines = (await response.text()).split(/\r?\n/).filter((l) => l.length > 0);
    const header = lines[0].split(',');
    for (const column of [
      'unit_id', 'incident_id', 'incident_status', 'occurred_at', 'person_id',
      'restrictive_intervention_type_code', 'restrictive_intervention_reason_code',
      'started_at', 'ended_at', 'duration_minutes', 'prone_over_10_minutes',
    ]) {
      check(header.includes(column), `no column ${column} in ${lines[0]}`);
    }
    const col = (name) => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    const ours = rows.filter((r) => r[col('incident_id')] === state.incidentId);
    equal(ours.length, 1, 'rows for the incident');
    const row = ours[0];
    equal(row[col('unit_id')], UNIT_ID, 'unit');
    equal(row[col('incident_status')], 'submitted', 'status');
    equal(row[col('person_id')], state.personId, 'person id');
    equal(row[col('restrictive_intervention_type_code')], '01', 'type code');
    equal(row[col('restrictive_intervention_reason_code')], '10', 'reason code');
    equal(row[col('duration_minutes')], '12', 'minutes');
    equal(row[col('prone_over_10_minutes')], 'Y', 'prone over 10');
    check(!lines.join('\n').includes(PERSON_NAME), 'the CSV names the person');
    // The MHSDS v5 files: one row per incident (MHS505), one per intervention (MHS515).
    for (const [stem, first, idColumn] of [
      ['mhs505-restrictive-intervention-incident', 'RestrictiveIntIncID', 'RestrictiveIntIncID'],
      ['mhs515-restrictive-intervention-type', 'RestrictiveIntTypeID', 'RestrictiveIntIncID'],
    ]) {
      const linked = page.getByRole('link', { name: new RegExp(`^${stem.slice(0, 6).toUpperCase()}`) });
      check((await linked.count()) === 1, `no link to the ${stem} CSV`);
      const mhsds = await page.request.get(`/console/units/${UNIT_ID}/exports/${stem}.csv?from=${day}&to=${day}`);
      equal(mhsds.status(), 200, `${stem} status`);
      const mLines = (await mhsds.text()).split(/\r?\n/).filter((l) => l.length > 0);
      const mHeader = mLines[0].split(',');
      equal(mHeader[0], first, `${stem} first column`);
      const mine = mLines.slice(1).filter((l) => l.split(',')[mHeader.indexOf(idColumn)] === state.incidentId);
      equal(mine.length, 1, `${stem} rows for the incident`);
    }
  });
  await visit('exports');

  // --- the restraint record as it now is (issue 15) ------------------------------------------

  await step('a person whose safety alert rules out prone holds is held prone with an override', async () => {
    await page.goto(`/console/units/${UNIT_ID}/people`);
    await page.getByLabel('Display name', { exact: true }).fill(NO_PRONE_NAME);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.waitForLoadState();
    await page.goto(`/console/units/${UNIT_ID}/people`);
    const href = await page.getByRole('link', { name: NO_PRONE_NAME, exact: true }).getAttribute('href');
    state.noProneId = decodeURIComponent(/\/console\/people\/([^/?#]+)/.exec(href ?? '')[1]);
    device('device-a', 'sync');
    const alert = device('device-a', 'add-alert', state.noProneId, NO_PRONE_ALERT, '--avoid', '01');
    check(alert.profile.cautions.some((c) => c.text === NO_PRONE_ALERT && c.avoid.includes('01')),
      `the alert does not rule out prone: ${JSON.stringify(alert.profile.cautions)}`);
    const captured = device(
      'device-a', 'capture', '--unit', UNIT_ID, '--person', state.noProneId,
      '--note', `Hit out in the corridor (synthetic ${stamp})`, '--tag', 'physical_aggression_to_staff',
      '--prone-minutes', '12', '--override', OVERRIDE_REASON, '--observations', '--structured',
      '--submit', '--review',
    );
    equal(captured.submitted, true, 'submitted');
    equal(captured.incident.use_of_force[0].contraindication_override, OVERRIDE_REASON, 'override kept');
    state.restraintId = captured.incident_id;
    const synced = device('device-a', 'sync');
    equal(synced.status.pending, 0, 'changes left to send');
  });

  await step('the incident page shows the use of force whole: type, reason, times, duration, prone, staff, how, override', async () => {
    check(state.restraintId, 'no incident');
    await page.goto(`/console/incidents/${state.restraintId}`);
    const subject = (await page.getByTestId('subject').innerText()).trim();
    check(subject.startsWith(NO_PRONE_NAME), `About: ${subject}`);
    const uses = page.getByTestId('use-of-force');
    equal(await uses.count(), 1, 'uses of force shown');
    const use = await uses.first().innerText();
    for (const text of [
      'Physical restraint: prone (face down)', '01 ', 'Reason', 'Duration', '12 minutes',
      'Alex Example, Staff nurse', 'Jo Example, Healthcare assistant',
      'Prone hold on a mat (synthetic test record).', OVERRIDE_REASON,
    ]) {
      check(use.includes(text), `the use of force lacks "${text}":\n${use}`);
    }
    check(/Start\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} (BST|GMT)/.test(use), `no UK start time:\n${use}`);
    check(/End\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} (BST|GMT)/.test(use), `no UK end time:\n${use}`);
    check((await page.getByTestId('prone-flag').innerText()).includes('over 10 minutes'), 'no prone-over-10 flag');
    const override = await page.getByTestId('contraindication-override').innerText();
    check(override.includes("against the person's own safety alerts") && override.includes(OVERRIDE_REASON),
      `override: ${override}`);
  });

  await step('the incident page shows the observations as a timed table', async () => {
    const table = page.getByTestId('observations');
    const headers = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
    equal(headers.join('|'), 'Time|Recorded by|Phase|Breathing|Colour|ACVPU|Position|Vital signs|Notes', 'columns');
    const rows = table.locator('tbody tr');
    equal(await rows.count(), 2, 'observation rows');
    const during = (await rows.nth(0).locator('td').allInnerTexts()).map((t) => t.trim());
    check(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} (BST|GMT)$/.test(during[0]), `time ${during[0]}`);
    check(during[1].startsWith('Sam Tester'), `who ${during[1]}`);
    equal(during.slice(2, 7).join('|'), 'During restraint|Laboured|Flushed|A: alert|Face down (prone)', 'during the hold');
    equal(during[7], 'RR 24/min', 'vital signs during');
    check(during[8].includes('hard to breathe'), `notes ${during[8]}`);
    const after = (await rows.nth(1).locator('td').allInnerTexts()).map((t) => t.trim());
    equal(after[2], 'After restraint', 'phase after');
    equal(after[7], 'RR 16/min; SpO2 97%; Pulse 88/min; BP 128/82 mmHg; Temp 36.8 °C', 'vital signs after');
    check(during[0] < after[0], `not in time order: ${during[0]} then ${after[0]}`);
  });

  await step('the incident page shows (k) as nine answers, the three injury answers and the review', async () => {
    const k = page.getByTestId('characteristics').locator('tbody tr');
    equal(await k.count(), 9, '(k) rows');
    const answers = {};
    for (let i = 0; i < 9; i += 1) {
      const [name, answer] = (await k.nth(i).locator('th, td').allInnerTexts()).map((t) => t.trim());
      answers[name] = answer;
    }
    equal(answers.Age, '34', 'age');
    equal(answers['Religion or belief'], 'Prefers not to say', 'religion or belief');
    equal(answers.Disability, 'Not known', 'disability');
    const injuries = page.getByTestId('injuries').locator('tbody tr');
    const injured = [];
    for (let i = 0; i < 3; i += 1) injured.push((await injuries.nth(i).locator('th, td').allInnerTexts()).slice(0, 2).join(': '));
    equal(injured.join('; '), 'The person: No; Staff: Yes; Others: Not known', 'injury answers');
    const review = (await page.getByTestId('reviews').locator('tbody tr').first().locator('th, td').allInnerTexts()).map((t) => t.trim());
    equal(review[0], 'Staff', 'review with');
    equal(review[1], 'Held', 'review held');
    equal(review[4], 'Yes', 'wellbeing support offered');
    check(review[5].includes('quiet room'), `review note ${review[5]}`);
  });
  await visit('incident-restraint');

  // --- the dashboard's direction (issue 16) ---------------------------------------------------

  const monthBack = (month, k) => {
    const [y, m] = month.split('-').map(Number);
    const n = y * 12 + (m - 1) - k;
    return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
  };

  await step('the dashboard has a run chart per series, each titled above its chart, with words beside it', async () => {
    check(state.month, 'no month');
    await page.goto(`/console/units/${UNIT_ID}/dashboard?month=${state.month}`);
    const basis = await page.getByTestId('basis').innerText();
    check(basis.startsWith('Counts, not rates'), `basis: ${basis}`);
    const series = ['restrictive-incidents', 'people-restrained', 'physical-restraint', 'prone',
      'chemical-restraint', 'seclusion', 'successful-deescalations', 'near-misses'];
    for (const key of series) {
      const section = page.getByTestId(`run-${key}`);
      // The title is the section's first child, above the chart.
      const first = await section.evaluate((s) => s.firstElementChild.tagName);
      equal(first, 'H3', `${key}: first element`);
      const svg = section.locator('svg[role="img"]');
      equal(await svg.count(), 1, `${key}: one chart`);
      const described = await svg.getAttribute('aria-describedby');
      const words = await page.locator(`[id="${described}"]`).innerText();
      check(words.includes('Median'), `${key}: no words beside the chart (${words})`);
    }
    const prone = (await page.locator('tr[data-series="prone"] td').allInnerTexts()).map((t) => t.trim());
    equal(prone[0], '2', 'prone holds this month (two recorded)');
  });

  await step('bed days entered on the form turn the charts into rates per 1,000 occupied bed days', async () => {
    for (let k = 11; k >= 0; k -= 1) {
      await page.goto(`/console/units/${UNIT_ID}/dashboard?month=${state.month}`);
      await page.getByLabel('Month of the bed days (YYYY-MM)', { exact: true }).fill(monthBack(state.month, k));
      await page.getByLabel('Occupied bed days', { exact: true }).fill(k === 0 ? '310' : '300');
      await page.getByRole('button', { name: 'Save bed days' }).click();
      await page.waitForLoadState();
      await page.getByText('Bed days saved.').waitFor();
    }
    await page.goto(`/console/units/${UNIT_ID}/dashboard?month=${state.month}`);
    equal((await page.getByTestId('basis').innerText()).trim(),
      'Rates per 1,000 occupied bed days (bed days entered for every month).', 'basis');
    const prone = (await page.locator('tr[data-series="prone"] td').allInnerTexts()).map((t) => t.trim());
    equal(prone[0], (2000 / 310).toFixed(1), 'prone per 1,000 bed days this month');
    equal(prone[1], '0.0', 'the month before');
    equal(prone[2], `up ${(2000 / 310).toFixed(1)}`, 'the change');
    const heading = await page.locator('#run-prone').innerText();
    equal(heading.trim(), 'Prone restraint per 1,000 occupied bed days', 'chart title');
  });
  await visit('dashboard-direction');

  // --- proposals for plans and the shift huddle (issue 16) -------------------------------------
  await step('the unit has a Proposals for plans page with its queue or says none wait', async () => {
    const response = await page.goto(`/console/units/${UNIT_ID}/proposals`);
    equal(response.status(), 200, 'proposals status');
    equal((await page.locator('h1').innerText()).trim(), 'Proposals for plans', 'heading');
    const waiting = await page.locator('[data-testid="proposal"]').count();
    const none = await page.locator('[data-testid="no-proposals"]').count();
    check(waiting > 0 || none === 1, 'neither a queue nor "No proposals are waiting."');
  });
  await visit('proposals');

  await step('the shift huddle switches between 24 and 72 hours and names the bands in words', async () => {
    let response = await page.goto(`/console/units/${UNIT_ID}/huddle`);
    equal(response.status(), 200, 'huddle status');
    equal((await page.locator('nav[aria-label="Look back over"] [aria-current="page"]').innerText()).trim(), 'Last 24 hours', '24 h by default');
    await page.getByRole('link', { name: 'Last 72 hours' }).click();
    await page.waitForLoadState();
    check(page.url().endsWith('hours=72'), `at ${page.url()}`);
    for (const id of ['huddle-people', 'huddle-drafts', 'huddle-overdue', 'huddle-notes']) {
      equal(await page.locator(`[data-testid="${id}"]`).count(), 1, id);
    }
  });
  await visit('huddle');

  await step('a handover note written on the huddle is listed with its author', async () => {
    await page.getByLabel('What the next shift needs to know', { exact: true }).fill('Lift out of order (synthetic)');
    await page.getByLabel('About (optional)', { exact: true }).selectOption({ label: PERSON_NAME });
    await page.getByRole('button', { name: 'Add handover note' }).click();
    await page.waitForLoadState();
    check(page.url().includes('hours=72'), `at ${page.url()}`);
    const note = page.locator('[data-testid="huddle-notes"] li').first();
    await note.getByText('Lift out of order (synthetic)').waitFor();
    await note.getByRole('link', { name: PERSON_NAME }).waitFor();
  });
  await visit('huddle-with-note');

  await step('the organisation roll-up covers the lead\'s units', async () => {
    await page.goto('/console');
    await page.getByRole('link', { name: 'Dashboard for Example Care Trust' }).click();
    await page.waitForLoadState();
    await page.getByRole('heading', { name: 'Roll-up: Example Care Trust' }).waitFor();
    const units = await page.getByTestId('roll-up-units').innerText();
    check(units.includes(UNIT_NAME), `roll-up units: ${units}`);
    check(!units.includes('Rowan Ward'), 'a unit not granted is in the roll-up');
    equal(await page.locator('section.run svg[role="img"]').count(), 8, 'run charts');
  });
  await visit('roll-up');

  await step('the subject-access export holds the person and their sheet', async () => {
    check(state.personId, 'no person');
    const response = await page.request.get(`/console/people/${state.personId}/subject-access`);
    equal(response.status(), 200, 'status');
    const text = await response.text();
    JSON.parse(text);
    check(text.includes(PERSON_NAME) && text.includes(WHAT_HELPS), 'the export lacks the person or the sheet');
  });

  // --- refusals ---------------------------------------------------------------------------

  await step('a forged POST without the csrf field gets 403 and changes nothing', async () => {
    await page.goto(`/console/units/${UNIT_ID}/people`);
    const forged = `Forged Person ${stamp}`;
    // The form's own fields, with every value but csrf replaced by the forged name.
    const form = await formOf('Display name').evaluate((f) => ({
      action: f.action,
      fields: [...new FormData(f).entries()].map(([k, v]) => [k, String(v)]),
    }));
    check(form.fields.some(([k]) => k === 'csrf'), 'the Add person form has no csrf field');
    const body = (csrf) => {
      const data = new URLSearchParams();
      for (const [k, v] of form.fields) if (k !== 'csrf') data.set(k, forged);
      if (csrf !== null) data.set('csrf', csrf);
      return data.toString();
    };
    // From the page itself (same origin, the session cookie sent): the CSP may refuse the fetch
    // (connect-src), which is a refusal too; the server must refuse it either way.
    const inPage = await page.evaluate(async ({ action, payload }) => {
      try {
        const r = await fetch(action, {
          method: 'POST',
          body: payload,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        });
        return String(r.status);
      } catch (e) {
        return `blocked in the page (${e.name})`;
      }
    }, { action: form.action, payload: body(null) });
    console.log(`       in-page fetch without csrf: ${inPage}`);
    check(inPage === '403' || inPage.startsWith('blocked'), `in-page forged POST answered ${inPage}`);
    // The same requests sent with the browser's cookies, outside the page's CSP.
    for (const [what, csrf] of [['without csrf', null], ['with a wrong csrf', 'A'.repeat(43)], ['with an empty csrf', '']]) {
      const r = await page.request.post(form.action, {
        data: body(csrf),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        maxRedirects: 0,
      });
      equal(r.status(), 403, `POST ${what}`);
    }
    await page.goto(`/console/units/${UNIT_ID}/people`);
    equal(await page.getByText(forged).count(), 0, 'forged person created');
  });

  await step('another unit\'s pages and ids get 404', async () => {
    const other = device('device-b', 'enrol', BASE, OTHER_CODE);
    check(other.grants.some((g) => g.unit_id === OTHER_UNIT_ID), 'device B has no grant');
    const person = device('device-b', 'add-person', OTHER_UNIT_ID, 'Kit Example', '--local-identifier', 'SYN-0002');
    const incident = device('device-b', 'capture', '--unit', OTHER_UNIT_ID, '--note', 'Other unit (synthetic)');
    device('device-b', 'sync');
    for (const urlPath of [
      `/console/incidents/${incident.incident_id}`,
      `/console/units/${OTHER_UNIT_ID}`,
      `/console/units/${OTHER_UNIT_ID}/people`,
      `/console/units/${OTHER_UNIT_ID}/incidents`,
      `/console/units/${OTHER_UNIT_ID}/dashboard`,
      `/console/units/${OTHER_UNIT_ID}/enrolment`,
      `/console/units/${OTHER_UNIT_ID}/exports/restrictive-interventions.csv?from=2026-01-01&to=2026-12-31`,
      `/console/people/${person.person_id}`,
      `/console/people/${person.person_id}/subject-access`,
      `/console/units/no-such-unit`,
    ]) {
      const response = await page.request.get(urlPath, { maxRedirects: 0 });
      equal(response.status(), 404, `GET ${urlPath}`);
    }
    // A POST into the other unit with this session's valid csrf token: 404, nothing made.
    await page.goto(`/console/units/${UNIT_ID}/people`);
    const form = await formOf('Display name').evaluate((f) => ({
      action: f.action,
      fields: [...new FormData(f).entries()].map(([k, v]) => [k, String(v)]),
    }));
    const data = new URLSearchParams();
    for (const [k, v] of form.fields) data.set(k, k === 'csrf' ? v : `Intruder ${stamp}`);
    const action = form.action.replace(`/units/${UNIT_ID}/`, `/units/${OTHER_UNIT_ID}/`);
    check(action !== form.action, `the form posts to ${form.action}`);
    const posted = await page.request.post(action, {
      data: data.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      maxRedirects: 0,
    });
    equal(posted.status(), 404, `POST ${action}`);
    device('device-b', 'sync');
    const people = device('device-b', 'people', OTHER_UNIT_ID);
    check(!people.some((p) => p.display_name.startsWith('Intruder')), 'a person was made in the other unit');
  });

  await step('a session cookie copied before sign-out stops working after it', async () => {
    const cookie = await sessionCookie();
    check(cookie, 'not signed in');
    const before = await replay('/console', cookie.value);
    equal(before.status, 200, 'the copied cookie before sign-out');
    await page.goto('/console');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState();
    const after = await replay('/console', cookie.value);
    equal(after.status, 303, 'the copied cookie after sign-out');
    check(after.location.endsWith('/console/sign-in'), `Location ${after.location}`);
    const unitPage = await replay(`/console/units/${UNIT_ID}`, cookie.value);
    equal(unitPage.status, 303, 'the unit page with the copied cookie');
  });

  await step('no request left the server and the pages logged no errors', async () => {
    equal(offsite.length, 0, `requests outside ${BASE}: ${offsite.slice(0, 3).join(', ')}`);
    const unexpected = consoleErrors.filter(
      // A forged POST is answered 403, and a save over a newer change 409 (the conflict page),
      // by design.
      (e) => !e.step.startsWith('a forged POST')
        && !(e.step.startsWith('a save over a newer change') && e.text.includes('409'))
        && !e.url.endsWith('/favicon.ico'),
    );
    for (const e of consoleErrors) console.log(`       page error in "${e.step}": ${e.text} ${e.url}`);
    equal(unexpected.length, 0, 'unexpected page errors');
  });
} catch (error) {
  failed += 1;
  console.log(`FAIL the test script itself: ${error?.stack ?? error}`);
} finally {
  await browser.close().catch(() => {});
}

console.log(`screenshots (${screened.length} pages, desktop and tablet): ${SCREENS}`);
if (failures.length) {
  console.log('failed:');
  for (const f of failures) console.log(`  - ${f}`);
}
console.log(`console: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
