import { App } from './App';
import { PageNav, PAGES, useRoute } from './pages';

/** The map, or one of the pages beside it; every page has the same way back to the map. */
export function Shell() {
  const route = useRoute();
  const page = PAGES.find((p) => p.path === route.path);
  if (!page) return <App />;
  const Page = page.component;
  return (
    <div className="page-shell">
      <header className="header page-header">
        <div className="brand">
          <h1>
            <a href="#/">Truceline</a>
          </h1>
          <span className="subtitle">{page.title}</span>
        </div>
        <PageNav current={page.path} />
      </header>
      <main className="page-body">
        <Page rest={route.rest} />
      </main>
    </div>
  );
}
