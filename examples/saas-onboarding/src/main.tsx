import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createOnramp } from '@onramp/sdk';
import { App } from './app.js';
import { fetchDemoConfig, loadSession } from './session.js';
import 'driver.js/dist/driver.css'; // the tour's popovers (driver.js)
import './styles.css';

// Boot: ask the demo backend where the engine is, then create one Onramp client for the
// life of the page. A returning user is signed in again with the token kept at sign-up.
const config = await fetchDemoConfig();
const session = loadSession();
const client = createOnramp({
  writeKey: config.writeKey,
  host: config.onrampHost,
  flushIntervalMs: 100, // a demo wants its events on the server at once
  ...(session === null ? {} : { userId: session.user.userId, userToken: session.token }),
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App client={client} initialSession={session} />
  </StrictMode>,
);
