import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { ApiProvider } from './api/ApiProvider';
import { createRendererTransport } from './api/transport';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ApiProvider transport={createRendererTransport()}>
      <HashRouter>
        <App />
      </HashRouter>
    </ApiProvider>
  </StrictMode>,
);
