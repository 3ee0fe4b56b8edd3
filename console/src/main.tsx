import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { RouterProvider } from "./app/router.tsx";
import { SessionProvider } from "./app/session.tsx";
import { ToastProvider } from "./app/ui.tsx";
import "./app/styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RouterProvider>
      <ToastProvider>
        <SessionProvider>
          <App />
        </SessionProvider>
      </ToastProvider>
    </RouterProvider>
  </StrictMode>,
);
