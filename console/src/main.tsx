import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './data/client';
import { SessionProvider, useSession } from './auth/session';
import { SignIn } from './pages/SignIn';
import { router } from './router';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // Auth and validation answers do not change on a retry.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: true,
      staleTime: 1_000,
    },
  },
});

function App() {
  const { session, loading } = useSession();
  if (loading) return <p className="muted boot">Loading…</p>;
  if (!session) return <SignIn />;
  return <RouterProvider router={router} />;
}

const element = document.getElementById('root');
if (!element) throw new Error('no #root element');
createRoot(element).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
