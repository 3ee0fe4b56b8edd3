import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is built once (npm install / npm start) and served by the Hostward server.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
