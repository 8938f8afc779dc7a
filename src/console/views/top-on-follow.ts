import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';

// A link followed opens its page at the top, as a page of its own would: the console is one page,
// whose scroll position would otherwise stay where the link was (a task's page opened halfway down).
// Back and forward are left to the browser, which puts the page back where it was left.

/** Scrolls to the top when `hash` changed because a link of the console was followed (clicked, or Enter). */
export function useTopOnFollow(hash: string): void {
  const followed = useRef(false);
  useEffect(() => {
    const onClick = (e: MouseEvent): void => {
      const target = e.target instanceof Element ? e.target : null;
      if (target !== null && target.closest('a[href^="#/"]') !== null) followed.current = true;
    };
    addEventListener('click', onClick, true);
    return () => removeEventListener('click', onClick, true);
  }, []);
  useLayoutEffect(() => {
    if (!followed.current) return;
    followed.current = false;
    scrollTo(0, 0);
  }, [hash]);
}
