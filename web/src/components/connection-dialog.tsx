import { useState } from 'preact/hooks'
import { DEFAULT_CONNECTION, type Connection } from '../connection'

/** Region and access key the console signs with; kept in this browser's local storage. */
export function ConnectionDialog(props: { connection: Connection; onSave(connection: Connection): void; onCancel(): void }) {
  const [draft, setDraft] = useState<Connection>(props.connection)
  const field = (name: keyof Connection, label: string, secret = false) => {
    const common = {
      name,
      value: draft[name],
      autocomplete: 'off',
      spellcheck: false,
      onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
    }
    return (
      <label class="field">
        <span>{label}</span>
        {secret ? <input type="password" {...common} /> : <input type="text" {...common} />}
      </label>
    )
  }
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="connection-title">
      <form
        onSubmit={(event) => {
          event.preventDefault()
          props.onSave({ ...draft, region: draft.region.trim(), accessKeyId: draft.accessKeyId.trim() })
        }}
      >
        <h2 id="connection-title">Connection</h2>
        <p class="meta">
          The console calls this server's SSM API and signs each call with SigV4, like the AWS CLI. A server started without a
          credentials file accepts any key; the account is the access key id when it is 12 digits.
        </p>
        {field('region', 'Region')}
        {field('accessKeyId', 'Access key ID')}
        {field('secretAccessKey', 'Secret access key', true)}
        {field('sessionToken', 'Session token (optional)', true)}
        <div class="dialog-actions">
          <button type="button" onClick={() => setDraft({ ...DEFAULT_CONNECTION })}>Defaults</button>
          <button type="button" onClick={props.onCancel}>Cancel</button>
          <button type="submit" class="primary">Save</button>
        </div>
      </form>
      </div>
    </div>
  )
}
