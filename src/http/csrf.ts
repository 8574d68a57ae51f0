import csrf from '@fastify/csrf';
import { fastifyCookie, type SerializeOptions, type Signer } from '@fastify/cookie';

export const CSRF_COOKIE = 'mh_csrf';

/** A form token for one reader, and the secret cookie to set when the reader has none yet. */
export interface ReaderToken { token: string; setCookie?: string }

/**
 * Form tokens, made as @fastify/csrf-protection makes them and checks them: a secret in a signed
 * cookie, a token made from it. The reader's pages (the article view, by the router or the reader
 * lane) get theirs here, so a page answered outside the router carries a token the plugin accepts.
 * A token stays valid as long as its secret, so one made for a given cookie is reused rather than
 * hashed anew on every view.
 */
export class FormTokens {
  private readonly tokens = new csrf.Tokens({});
  private readonly known = new Map<string, string>();

  constructor(private readonly signer: Signer, private readonly cookie: SerializeOptions) {}

  forCookie(raw: string | undefined): ReaderToken {
    if (raw) {
      const known = this.known.get(raw);
      if (known) return { token: known };
      const secret = this.signer.unsign(raw);
      if (secret.valid && secret.value) {
        const token = this.tokens.create(secret.value);
        if (this.known.size >= 100_000) this.known.delete(this.known.keys().next().value!);
        this.known.set(raw, token);
        return { token };
      }
    }
    const secret = this.tokens.secretSync();
    return { token: this.tokens.create(secret), setCookie: fastifyCookie.serialize(CSRF_COOKIE, this.signer.sign(secret), this.cookie) };
  }
}
