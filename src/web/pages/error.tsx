import { h, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';

export function ErrorPage(props: { site: Site; status: number; title: string; message: string; errorId?: string }): Html {
  return (
    <Layout site={props.site} meta={{ title: props.title, description: props.message, noindex: true }}>
      <section class="error-page">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        {props.errorId ? <p>Reference: <code>{props.errorId}</code></p> : null}
        <p><a href="/">Go to the front page</a> or <a href="/search">search the archive</a>.</p>
      </section>
    </Layout>
  );
}
