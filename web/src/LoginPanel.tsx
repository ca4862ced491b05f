import { useState, type FormEvent } from 'react';
import { ProblemError } from './api';
import type { Session } from './session';
import { SidePanel } from './SidePanel';

const message = (e: unknown) => (e instanceof ProblemError ? (e.problem.detail ?? e.problem.title ?? `HTTP ${e.status}`) : e instanceof Error ? e.message : String(e));

/** Log in; or, with a one-time password, set your own before anything else. */
export function LoginPanel({ session, onClose }: { session: Session; onClose(): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mustChange = !!session.me?.mustChangePassword;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mustChange) {
        await session.changePassword(password, next);
        onClose();
      } else {
        await session.login(username, password);
        setPassword('');
      }
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel title={mustChange ? 'Set your password' : 'Log in'} testid="login" onClose={onClose}>
      <form className="login-form" onSubmit={(e) => void submit(e)}>
        {mustChange ? (
          <p className="muted">You logged in with a one-time password. Choose your own (12 characters or more) to continue.</p>
        ) : (
          <p className="muted">Without logging in you see what is released to the public.</p>
        )}
        {!mustChange && (
          <label>
            Username
            <input name="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
        )}
        <label>
          {mustChange ? 'One-time password' : 'Password'}
          <input name="password" type="password" autoComplete="current-password" autoFocus={mustChange} value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {mustChange && (
          <label>
            New password
            <input name="new-password" type="password" autoComplete="new-password" minLength={12} value={next} onChange={(e) => setNext(e.target.value)} required />
          </label>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {mustChange ? 'Set password' : 'Log in'}
        </button>
      </form>
    </SidePanel>
  );
}
