/** What the extension and the CLI import from the dashboard: the page, and data for tests and screenshots. */
export { contentSecurityPolicy, dashboardHtml, makeNonce, type DashboardHtmlOptions } from './html';
export { dashboardFixture } from './fixture';
