import { useEffect, useState, type ComponentType } from 'react';
import { ReportsPage } from './ReportsPage';
import { IncidentsPage } from './IncidentsPage';
import { ForcePage } from './ForcePage';
import { CommitmentsPage } from './CommitmentsPage';
import { LandPage } from './LandPage';

/** What a page gets: the rest of its route (e.g. an id), and the session's key (reload on login). */
export interface PageProps {
  rest: string;
}

export interface PageEntry {
  /** `#/force` → 'force'. A route `#/incidents/ID` reaches the page 'incidents' with rest 'ID'. */
  path: string;
  /** Shown in the header's navigation. */
  title: string;
  component: ComponentType<PageProps>;
}

/**
 * The pages beside the map, reached by hash routes so the single-file server and the offline
 * bundle need nothing more. Each page adds one line here.
 */
export const PAGES: PageEntry[] = [
  { path: 'incidents', title: 'Verification', component: IncidentsPage },
  { path: 'reports', title: 'Reports', component: ReportsPage },
  { path: 'force', title: 'Force', component: ForcePage },
  { path: 'commitments', title: 'Commitments', component: CommitmentsPage },
  { path: 'land', title: 'Land options', component: LandPage },
];

/** The current hash route: '' is the map. */
export function useRoute(): { path: string; rest: string } {
  const read = () => {
    const [path = '', ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
    return { path, rest: rest.map(decodeURIComponent).join('/') };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Links to the map and to every page; the current one marked for screen readers too. */
export function PageNav({ current }: { current: string }) {
  if (PAGES.length === 0) return null;
  return (
    <nav className="page-nav" aria-label="Pages">
      <a href="#/" aria-current={current === '' ? 'page' : undefined}>
        Map
      </a>
      {PAGES.map((p) => (
        <a key={p.path} href={`#/${p.path}`} aria-current={current === p.path ? 'page' : undefined}>
          {p.title}
        </a>
      ))}
    </nav>
  );
}
