import * as ExcelJS from 'exceljs';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { createStaffUser } from '../src/cli/staff';
import { DAY, HOUR } from '../src/common/time/clock';
import { allowFulfilWithoutPhotos, drain, WishDriver } from './support/dashboard-world';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld } from './support/wish-world';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');

/**
 * The office dashboard in a real headless browser: Debian's chromium driven by playwright-core
 * (.ci/run installs chromium when it is missing; without it this suite fails, it does not skip).
 */
describe.each(testDatabases())('dashboard page on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let base: string;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  let openWish: number;

  beforeAll(async () => {
    t = await startTestApp(kind, 'dashboard-page', { env: { RESIDENT_DAILY_SUBMISSIONS: '100', RESIDENT_OPEN_WISH_LIMIT: '100' } });
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t);
    await createStaffUser(t.app, { username: 'jia-street', password: 'demo12345', name: '甲街道办', roles: [{ role: 'region_admin', regionId: w.streetA.id }] });
    const drive = new WishDriver(t);
    const done = await drive.submit(w.residentA, w.communityA1.id, { category: '生活物资', title: '一个电饭煲' });
    await drive.approve(done, w.adminA1);
    t.clock.advance(HOUR);
    await drive.claim(done, w.memberA1);
    t.clock.advance(DAY);
    await drive.fulfil(done, w.memberA1);
    await drive.confirm(done, w.residentA, 5);
    openWish = await drive.submit(w.residentA, w.communityA1.id, { title: '小区路灯坏了' });
    await drive.approve(openWish, w.adminA1);
    await drive.submit(w.residentB, w.communityA2.id, { title: '增设老年休闲座椅' });
    t.clock.advance(8 * DAY);
    await drain(t);

    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
  }, 25_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const loaded = (generation: number) => page.waitForSelector(`body[data-generation="${generation}"]`, { timeout: 8000 });

  it('logs in with the password login and shows the figures of the street', async () => {
    await page.goto(`${base}/dashboard`);
    await page.fill('#login-username', 'jia-street');
    await page.fill('#login-password', 'wrong-password');
    await page.click('#login-submit');
    await page.waitForFunction("document.querySelector('#login-error').textContent !== ''");
    expect(await page.textContent('#login-error')).toMatch(/[\u4e00-\u9fa5]/);

    await page.fill('#login-password', 'demo12345');
    await page.click('#login-submit');
    await loaded(1);
    expect(await page.textContent('#user-name')).toBe('甲街道办');
    expect(await page.textContent('#kpi-submitted')).toBe('3');
    expect(await page.textContent('#kpi-completed')).toBe('1');
    expect(await page.textContent('#kpi-rating')).toBe('5.00');
    expect(await page.textContent('#kpi-overdue')).toBe('1');
    expect(await page.locator('#breakdown-table tbody tr').count()).toBe(2);
    expect(await page.locator('#chart-funnel canvas').count()).toBe(1);
    expect(await page.locator('#chart-trend canvas').count()).toBe(1);
    expect(await page.textContent('#quota-summary')).toContain('报到党员');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, kind === 'sqlite' ? 'dashboard.png' : `dashboard-${kind}.png`), fullPage: true });
    // Everything came from the service itself: no CDN, so the page works offline.
    expect(requests.filter((url) => !url.startsWith(base) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
  });

  it('changes the numbers when a filter changes', async () => {
    await page.selectOption('#filter-category', '生活物资');
    await loaded(2);
    expect(await page.textContent('#kpi-submitted')).toBe('1');
    expect(await page.textContent('#kpi-completed')).toBe('1');
    const community = page.locator('#region-pickers select').nth(1);
    await community.selectOption({ label: '甲二社区' });
    await loaded(3);
    expect(await page.textContent('#kpi-submitted')).toBe('0');
    await community.selectOption({ label: '全部' });
    await loaded(4);
    await page.selectOption('#filter-category', '');
    await loaded(5);
    expect(await page.textContent('#kpi-submitted')).toBe('3');
  });

  it('opens an overdue wish\'s timeline', async () => {
    const link = page.locator(`#overdue-table a[data-wish="${openWish}"]`);
    await link.click();
    await page.waitForSelector('#timeline[open]');
    expect(await page.textContent('#timeline-list')).toContain('审核通过');
    await page.click('#timeline button');
  });

  it('downloads the ledger with the same filters', async () => {
    await page.selectOption('#filter-category', '生活物资');
    await loaded(6);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 8000 }), page.click('#export')]);
    expect(download.suggestedFilename()).toMatch(/^心愿台账_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const ledger = workbook.getWorksheet('台账')!;
    expect(ledger.rowCount).toBe(2);
    expect(ledger.getRow(2).getCell(2).value).toBe('一个电饭煲');
    expect(workbook.getWorksheet('汇总')).toBeDefined();
  });
});
