import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is built once (npm install / npm start) and served by the Hostward server.
// The attack-graph chunk (elkjs, ~1.6 MB) loads only when an event's Chain tab opens.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1800, sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
