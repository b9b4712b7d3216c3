/** Reading what a page's forms carry, as a browser posts it back. */

/** The value of a named hidden field on a page. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
}

/** The one-use download grant behind a recording page's download button; there must be one. */
export function grantOf(page: string | { text: string; status: number }): string {
  const grant = hiddenField(typeof page === 'string' ? page : page.text, 'grant');
  if (grant === undefined) throw new Error(`no download button on the page${typeof page === 'string' ? '' : ` (status ${page.status})`}`);
  return grant;
}
