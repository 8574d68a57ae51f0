import { h, Fragment, type Child, type Html } from '../../shared/jsx.js';

/**
 * Form pieces the newsroom's staff pages share (moderation, staff, plans and offers): a field
 * with its error beside it (tied by aria-describedby), notices, and the CSRF field. A refused form
 * comes back with what was typed (`values`) and the reasons by field (`errors`).
 */
export interface FormState { values?: Record<string, string>; errors?: Record<string, string> }

export const Csrf = (p: { token: string }) => <input type="hidden" name="_csrf" value={p.token} />;

export const Notice = (p: { notice?: string; error?: string }) => (
  <Fragment>
    {p.notice ? <p class="form-notice" role="status">{p.notice}</p> : null}
    {p.error ? <p class="form-error" role="alert">{p.error}</p> : null}
  </Fragment>
);

/** The value to show: what was typed when the form came back, else the stored one. */
export const valueOf = (s: FormState, name: string, fallback: string | number | null | undefined = '') => s.values?.[name] ?? (fallback === null || fallback === undefined ? '' : String(fallback));

export function Field(p: {
  state: FormState; id: string; name: string; label: string; fallback?: string | number | null; type?: string; hint?: string;
  required?: boolean; inputmode?: string; maxlength?: string; min?: string; max?: string; textarea?: boolean; rows?: string; children?: Child;
}): Html {
  const error = p.state.errors?.[p.name];
  const described = [p.hint ? `${p.id}-hint` : '', error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id: p.id, name: p.name, required: p.required, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': described };
  return (
    <p class={error ? 'field field--invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      {p.textarea
        ? <textarea {...common} rows={p.rows ?? '4'} maxlength={p.maxlength}>{valueOf(p.state, p.name, p.fallback)}</textarea>
        : <input {...common} type={p.type ?? 'text'} value={valueOf(p.state, p.name, p.fallback)} inputmode={p.inputmode} maxlength={p.maxlength} min={p.min} max={p.max} />}
      {p.hint ? <span class="small" id={`${p.id}-hint`}>{p.hint}</span> : null}
      {error ? <span class="field-error" id={`${p.id}-error`}>{error}</span> : null}
    </p>
  );
}

export function SelectField(p: { state: FormState; id: string; name: string; label: string; fallback?: string | null; options: [string, string][]; hint?: string }): Html {
  const error = p.state.errors?.[p.name];
  const current = valueOf(p.state, p.name, p.fallback);
  const described = [p.hint ? `${p.id}-hint` : '', error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <p class={error ? 'field field--invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      <select id={p.id} name={p.name} aria-invalid={error ? 'true' : undefined} aria-describedby={described}>
        {p.options.map(([value, label]) => <option value={value} selected={current === value}>{label}</option>)}
      </select>
      {p.hint ? <span class="small" id={`${p.id}-hint`}>{p.hint}</span> : null}
      {error ? <span class="field-error" id={`${p.id}-error`}>{error}</span> : null}
    </p>
  );
}

/** "Sentence case." for messages that come from rules in lower case. */
export const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
