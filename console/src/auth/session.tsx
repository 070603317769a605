import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, del, get, post, setCsrfToken, whenSessionLost } from '../data/client';
import type { Role, Session } from '../data/types';

// What the API enforces, mirrored only to hide what a role cannot use: the API refuses it anyway.
const RANK: Record<Role, number> = { predictor: -1, viewer: 0, operator: 1, approver: 2, admin: 3 };
export type LadderRole = Exclude<Role, 'predictor'>;

export function roleAtLeast(role: Role | undefined, needed: LadderRole): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

interface SessionState {
  session: Session | undefined;
  loading: boolean;
  signIn(credential: string): Promise<void>;
  signOut(): Promise<void>;
  can(needed: LadderRole): boolean;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [session, setSession] = useState<Session | undefined>();
  const [loading, setLoading] = useState(true);

  const adopt = useCallback(
    (next: Session | undefined) => {
      setCsrfToken(next?.csrfToken);
      setSession(next);
      if (!next) queries.clear();
    },
    [queries],
  );

  useEffect(() => {
    whenSessionLost(() => adopt(undefined));
    get<Session>('/v1/session')
      .then(adopt)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401)) console.warn('session check failed', err);
        adopt(undefined);
      })
      .finally(() => setLoading(false));
  }, [adopt]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      loading,
      async signIn(credential) {
        adopt(await post<Session>('/v1/session', { credential }));
      },
      async signOut() {
        await del('/v1/session').catch(() => undefined);
        adopt(undefined);
      },
      can: (needed) => roleAtLeast(session?.principal.role, needed),
    }),
    [session, loading, adopt],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
