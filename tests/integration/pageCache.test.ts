import express from 'express';
import request from 'supertest';
import { languageChoice } from '../../server/middleware/language';
import { staticPageRenderer } from '../../server/pages/staticPages';
import { configureViews } from '../../server/pages/views';

/**
 * The cache of pages that are the same for every claimant in a language. Whatever a layout comes to
 * read from one response's locals (here `errors`, which the claimant layout shows as an error
 * summary) must not be kept and served to the next claimant.
 */
describe('the page cache', () => {
  const app = express();
  const views = configureViews(app, { production: true, supportPhone: undefined, assetUrl: (plainPath) => plainPath });
  const renderStaticPage = staticPageRenderer(views);
  app.use(languageChoice());
  app.use((req, res, next) => {
    res.locals.errors = [{ text: `A message only for ${String(req.query.who)}`, href: '#nino' }];
    next();
  });
  app.get('/page', (_req, res) => renderStaticPage(res, 'pages/problem', { pageTitle: 'The same page for everyone', paragraphs: ['Nothing personal here.'] }));

  test("a variable set on one claimant's response never reaches another's cached page", async () => {
    const first = await request(app).get('/page?who=alice');
    const second = await request(app).get('/page?who=bob');
    const welsh = await request(app).get('/page?who=carys&lang=cy');
    expect(first.status).toBe(200);
    expect(first.text).toContain('The same page for everyone');
    expect(second.text).not.toContain('alice');
    expect(welsh.text).not.toMatch(/alice|bob/);
    // Still a cache: the second claimant gets the first's bytes, and the Welsh page is its own.
    expect(second.text).toBe(first.text);
    expect(welsh.text).toContain('lang="cy"');
  });
});
