import { createRoot } from 'react-dom/client';

function App() {
  return <main><h1>Switchboard</h1><p>The web UI is being built.</p></main>;
}

createRoot(document.getElementById('root')!).render(<App />);
