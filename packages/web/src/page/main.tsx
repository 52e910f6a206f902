import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { jobStore } from './store';
import './style.css';

jobStore.start();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
