import { h, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';

export function StaffSignInPage(props: { site: Site; csrf: string; email?: string; error?: string; notice?: string }): Html {
  return (
    <Layout site={props.site} meta={{ title: 'Newsroom sign-in', description: 'Staff sign-in', noindex: true }}>
      <section class="account-page">
        <h1>Newsroom sign-in</h1>
        {props.notice ? <p class="form-notice" role="status">{props.notice}</p> : null}
        {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
        <form class="account-form" method="post" action="/admin/signin">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <p class="field"><label for="s-email">Email address</label><input id="s-email" name="email" type="email" autocomplete="username" required value={props.email ?? ''} /></p>
          <p class="field"><label for="s-pw">Password</label><input id="s-pw" name="password" type="password" autocomplete="current-password" required /></p>
          <p class="field"><label for="s-code">Authentication code <span class="optional">(if you use two-factor)</span></label><input id="s-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" /></p>
          <p><button class="button" type="submit">Sign in</button></p>
        </form>
        <h2>Or get a sign-in link</h2>
        <form class="account-form" method="post" action="/admin/signin/link">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <p class="field"><label for="s-link-email">Email address</label><input id="s-link-email" name="email" type="email" autocomplete="username" required /></p>
          <p><button class="button button--secondary" type="submit">Email me a link</button></p>
        </form>
      </section>
    </Layout>
  );
}

export function AdminHomePage(props: { site: Site; csrf: string; staff: StaffUser & { totpEnabled: boolean }; totp?: { secret: string; uri: string }; notice?: string; error?: string }): Html {
  const s = props.staff;
  return (
    <Layout site={props.site} meta={{ title: 'Newsroom', description: 'Newsroom', noindex: true }}>
      <section class="account-page">
        <h1>Newsroom</h1>
        {props.notice ? <p class="form-notice" role="status">{props.notice}</p> : null}
        {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
        <p>Signed in as <strong>{s.email}</strong> ({s.role}).</p>
        <ul>
          <li><a href="/admin/articles">Articles</a></li>
          <li><a href="/admin/articles/new">Write a new article</a></li>
          <li><a href="/admin/media">Media library</a>: upload images, find them, copy their URLs and edit their alt text</li>
        </ul>
        <h2>Two-factor authentication</h2>
        {s.totpEnabled ? <p>Two-factor authentication is on.</p> : props.totp ? (
          <form class="account-form" method="post" action="/admin/security/totp">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <p>Add this key to your authenticator app, then enter the code it shows.</p>
            <p><code class="totp-secret">{props.totp.secret}</code></p>
            <p class="small"><code>{props.totp.uri}</code></p>
            <p class="field"><label for="t-code">Code</label><input id="t-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required /></p>
            <p><button class="button" type="submit">Turn on two-factor</button></p>
          </form>
        ) : null}
        <form class="inline-form" method="post" action="/signout"><input type="hidden" name="_csrf" value={props.csrf} /><button class="button button--secondary" type="submit">Sign out</button></form>
      </section>
    </Layout>
  );
}
