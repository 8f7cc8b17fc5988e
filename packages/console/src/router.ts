import { useEffect, useState } from 'preact/hooks';

/** Hash routes (#/functions/name): the gateway serves one page, and a reload keeps the place. */
export function useRoute(): string[] {
  const read = () =>
    (location.hash.replace(/^#\/?/, '') || 'functions')
      .split('?')[0]!
      .split('/')
      .map((part) => decodeURIComponent(part));
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export const go = (path: string): void => {
  location.hash = `#/${path}`;
};
