import type { Page } from 'puppeteer-core';

// What a person cannot see on the page as it is laid out now. Runs in the page through
// puppeteer; the DOM is typed here by hand, as the tests compile without the DOM library.

interface Box {
  left: number;
  right: number;
}
interface El {
  tagName: string;
  textContent: string | null;
  clientWidth: number;
  scrollWidth: number;
  parentElement: El | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  querySelectorAll(selector: string): ArrayLike<El>;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
}
interface PageGlobals {
  document: { documentElement: El; querySelectorAll(selector: string): ArrayLike<El> };
  innerWidth: number;
  getComputedStyle(el: El): { overflowX: string };
}

/**
 * Each table on the page whose box does not show all its columns at once (its box scrolls or
 * clips, or a header cell ends past the window's right edge), as "Nodes: Load, Last heartbeat
 * cut off"; and the page itself when it is wider than the window. Empty when everything shows.
 */
export async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const found: string[] = [];
    const viewRight = g.document.documentElement.clientWidth;
    const pageWidth = g.document.documentElement.scrollWidth;
    if (pageWidth > g.innerWidth) found.push(`the page is ${pageWidth - g.innerWidth} px wider than the window`);
    for (const table of Array.from(g.document.querySelectorAll('main table'))) {
      const box = table.parentElement;
      if (box === null) continue;
      const name = table.closest('section')?.querySelector('h2')?.textContent ?? 'a table';
      const right = Math.min(viewRight, box.getBoundingClientRect().right);
      const cut = Array.from(table.querySelectorAll('thead th'))
        .filter((th) => th.getBoundingClientRect().right > right + 1)
        .map((th) => (th.textContent ?? '').trim());
      if (cut.length > 0 || box.scrollWidth > box.clientWidth + 1)
        found.push(`${name}: ${cut.length > 0 ? cut.join(', ') : 'its right edge'} cut off`);
    }
    return found;
  });
}

/**
 * Each table wider than its box whose box is not a scroll box a keyboard can reach and a screen
 * reader can name (overflow-x auto or scroll, tabindex 0, a label), as "Nodes: not focusable".
 * Empty when every table fits or scrolls in such a box.
 */
export async function unreachableScrollBoxes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const found: string[] = [];
    for (const table of Array.from(g.document.querySelectorAll('main table'))) {
      const box = table.parentElement;
      if (box === null || box.scrollWidth <= box.clientWidth + 1) continue;
      const name = table.closest('section')?.querySelector('h2')?.textContent ?? 'a table';
      const wrong: string[] = [];
      if (!['auto', 'scroll'].includes(g.getComputedStyle(box).overflowX)) wrong.push('does not scroll');
      if (box.getAttribute('tabindex') !== '0') wrong.push('is not focusable');
      if ((box.getAttribute('aria-label') ?? box.getAttribute('aria-labelledby') ?? '') === '')
        wrong.push('has no label');
      if (wrong.length > 0) found.push(`${name}: its box ${wrong.join(', ')}`);
    }
    return found;
  });
}
